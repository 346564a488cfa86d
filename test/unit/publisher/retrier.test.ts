import { BatchGetItemCommand, DeleteItemCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/index';
import { retryFailedMessages } from '../../../functions/runtime/publish/failed-message-retrier';
import { createFailedMessageStore } from '../../../functions/runtime/publish/failed-message-store';
import { ddbClient, fail, item, ok, response, storedEntry, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBClient);
afterEach(() => {
  eb.reset();
  ddb.reset();
});

/** A failed-message row as the table holds it. */
function row(attempts: number, overrides: Record<string, unknown> = {}) {
  const stored = storedEntry(newEventId());
  return {
    event_id: stored.eventId,
    entry: JSON.stringify(stored.entry),
    error: 'ThrottlingException: Rate exceeded',
    attempts,
    next_attempt_at: T0 - 1_000,
    status: 'DUE',
    due: 'DUE',
    expires_at: 1,
    ...overrides,
  };
}

/** The index returns `indexed`; consistent reads return `current` (defaults to the same rows). */
function table(indexed: Record<string, unknown>[], current = indexed) {
  ddb.on(QueryCommand).resolves({ Items: indexed.map((r) => item({ event_id: r.event_id })) });
  ddb.on(BatchGetItemCommand).resolves({ Responses: { failed: current.map(item) } });
  ddb.on(DeleteItemCommand).resolves({});
  ddb.on(UpdateItemCommand).resolves({});
}

function run(maxAttempts = 8) {
  const t = testPublisher();
  const store = createFailedMessageStore({ tableName: 'failed', client: ddbClient(), clock: t.clock });
  return { ...t, run: () => retryFailedMessages({ publisher: t.publisher, store, maxAttempts }) };
}
const updates = () => ddb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);

describe('failed-message retrier', () => {
  it('queries due rows on the due-by-time index, oldest first, up to now', async () => {
    table([]);
    const { run: go } = run();
    await go();
    const query = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({ TableName: 'failed', IndexName: 'due-by-time' });
    expect(query.KeyConditionExpression).toBe('#p = :p AND #s <= :bound');
    expect(query.ExpressionAttributeNames).toMatchObject({ '#p': 'due', '#s': 'next_attempt_at' });
    expect(unmarshall(query.ExpressionAttributeValues!)).toEqual({ ':p': 'DUE', ':bound': T0 });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('republishes the stored entry unchanged and deletes the row on success', async () => {
    const r = row(1);
    table([r]);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    const { run: go } = run();
    expect(await go()).toEqual({ due: 1, published: 1, rescheduled: 0, parked: 0, skipped: 0, unrecorded: 0 });
    const [sent] = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(sent).toEqual({ ...JSON.parse(r.entry), EventBusName: 'courier-bus' });
    expect(unmarshall(ddb.commandCalls(DeleteItemCommand)[0]!.args[0].input.Key!)).toEqual({ event_id: r.event_id });
  });

  it('backs off a row that fails again: attempts + 1, next attempt later, fenced on the attempts it saw', async () => {
    const r = row(3);
    table([r]);
    eb.on(PutEventsCommand).resolves(response([fail('ThrottlingException')]));
    const { run: go, clock } = run();
    expect(await go()).toMatchObject({ rescheduled: 1, parked: 0 });
    const [update] = updates();
    expect(update!.ConditionExpression).toBe('attempts = :seen AND #status = :due');
    const values = unmarshall(update!.ExpressionAttributeValues!);
    expect(values).toMatchObject({ ':n': 4, ':seen': 3 });
    // ceiling min(1 h, 60 s × 2^3) = 480 s, × random 0.5
    expect(values[':next']).toBe(clock.now() + 240_000);
    expect(values[':error']).toMatch(/^ThrottlingException: /);
    expect(ddb.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it('parks a row on its last attempt: status PARKED, `due` removed, parked metric', async () => {
    const r = row(7);
    table([r]);
    eb.on(PutEventsCommand).resolves(response([fail('InternalFailure')]));
    const { run: go, metric, emf, clock } = run(8);
    expect(await go()).toMatchObject({ parked: 1, rescheduled: 0 });
    const [update] = updates();
    expect(update!.UpdateExpression).toContain('REMOVE #due');
    expect(update!.ExpressionAttributeNames).toMatchObject({ '#due': 'due' });
    expect(unmarshall(update!.ExpressionAttributeValues!)).toMatchObject({ ':parked': 'PARKED', ':n': 8, ':seen': 7, ':now': clock.now() });
    expect(metric('parked')).toBe(1);
    const doc = emf.find((d) => 'parked' in d)!;
    expect(doc).toMatchObject({ service: 'orders', _aws: { CloudWatchMetrics: [{ Namespace: 'courier', Dimensions: [['service']] }] } });
  });

  it('parks a permanent failure at once, whatever the attempt count', async () => {
    table([row(1)]);
    eb.on(PutEventsCommand).resolves(response([fail('MalformedDetail')]));
    const { run: go } = run();
    expect(await go()).toMatchObject({ parked: 1 });
    expect(updates()[0]!.UpdateExpression).toContain('REMOVE #due');
  });

  it('skips rows the index still lists but that were parked or are no longer due', async () => {
    const parked = row(8, { status: 'PARKED', due: undefined });
    const later = row(2, { next_attempt_at: T0 + 60_000 });
    const due = row(2);
    table([parked, later, due]);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    const { run: go } = run();
    expect(await go()).toMatchObject({ due: 1, published: 1 });
    const sent = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(sent.map((e) => e.Detail)).toEqual([JSON.parse(due.entry).Detail]);
  });

  it('charges no attempt to rows it never sent: batches left when the publish deadline passed stay as they were', async () => {
    // 60 due rows = 6 PutEvents calls; each call takes 2.5 s, longer than the whole 2 s publish deadline, so
    // the calls that had not started by then never start and their rows were not tried at all.
    const rows = Array.from({ length: 60 }, () => row(2));
    table(rows);
    const { run: go, clock } = run();
    eb.on(PutEventsCommand).callsFake(async (input: { Entries: unknown[] }) => {
      clock.advance(2_500);
      return response(input.Entries.map(() => fail('ThrottlingException')));
    });
    const summary = await go();
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.Detail));
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.length).toBeLessThan(60);
    const charged = updates().map((u) => unmarshall(u.Key!).event_id);
    const sentIds = new Set(rows.filter((r) => sent.includes(JSON.parse(r.entry).Detail)).map((r) => r.event_id));
    expect(new Set(charged)).toEqual(sentIds);
    expect(summary).toMatchObject({ due: 60, rescheduled: sent.length, skipped: 60 - sent.length, parked: 0 });
  });

  it('counts an outcome it could not write back as unrecorded (the row is simply tried again)', async () => {
    table([row(1)]);
    ddb.on(DeleteItemCommand).rejects(new Error('throttled'));
    eb.on(PutEventsCommand).resolves(response([ok()]));
    const { run: go } = run();
    expect(await go()).toMatchObject({ published: 0, unrecorded: 1 });
  });
});
