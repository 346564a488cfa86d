import { DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/index';
import { createOutboxTable } from '../../../functions/runtime/outbox/table';
import { sweepOutbox } from '../../../functions/runtime/outbox/sweeper';
import { FakeOutbox } from './fake-outbox';
import { ddbClient, eventIdOf, fail, ok, response, storedEntry, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBClient);
afterEach(() => {
  eb.reset();
  ddb.reset();
});

const row = (createdAt: number, overrides: Record<string, unknown> = {}) => {
  const { eventId, entry } = storedEntry(newEventId());
  return { event_id: eventId, source: entry.Source, detail_type: entry.DetailType, detail: entry.Detail, status: 'PENDING', pending: 'PENDING', created_at: createdAt, ...overrides };
};
type Row = ReturnType<typeof row>;

function setup(rows: Row[], options: { maxAttempts?: number } = {}) {
  const outbox = new FakeOutbox();
  for (const r of rows) outbox.add(r);
  outbox.install(ddb);
  const t = testPublisher();
  const table = createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock });
  return { ...t, outbox, sweep: () => sweepOutbox({ table, publisher: t.publisher, olderThanMs: 60_000, ...options }) };
}
const sentIds = () => eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map(eventIdOf));
/** PutEvents answers: entries whose event_id is in `failing` get that code, the rest go through. */
const answer = (failing: Map<string, string>) =>
  eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) =>
    response(input.Entries.map((e) => (failing.has(eventIdOf(e)) ? fail(failing.get(eventIdOf(e))!) : ok()))),
  );

describe('outbox sweeper', () => {
  it('asks the pending-by-age index for rows created at least the threshold ago', async () => {
    const { sweep } = setup([]);
    expect(await sweep()).toEqual({ found: 0, published: 0, failed: 0, parked: 0, skipped: 0 });
    const query = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({ TableName: 'outbox', IndexName: 'pending-by-age', KeyConditionExpression: '#p = :p AND #s <= :bound' });
    expect(query.ExpressionAttributeNames).toMatchObject({ '#p': 'pending', '#s': 'created_at' });
    expect(unmarshall(query.ExpressionAttributeValues!)).toEqual({ ':p': 'PENDING', ':bound': T0 - 60_000 });
  });

  it('republishes only rows still PENDING and old enough, with their stored event_id, and marks them', async () => {
    const stale = row(T0 - 5 * 60_000);
    const publishedMeanwhile = row(T0 - 4 * 60_000, { status: 'PUBLISHED' }); // the index lags the table
    const young = row(T0 - 1_000); // left to the relay
    const { sweep, outbox } = setup([stale, publishedMeanwhile, young]);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    expect(await sweep()).toEqual({ found: 1, published: 1, failed: 0, parked: 0, skipped: 0 });
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(sent.map(eventIdOf)).toEqual([stale.event_id]);
    expect(sent[0]!.Detail).toBe(stale.detail);
    expect(outbox.rows.get(stale.event_id)).toMatchObject({ status: 'PUBLISHED', published_at: T0 });
    expect(outbox.rows.get(stale.event_id)!.pending).toBeUndefined();
    expect(outbox.rows.get(young.event_id)).toMatchObject({ status: 'PENDING' });
  });

  it('counts a retryable failure on the row and leaves it PENDING for the next run', async () => {
    const rows = [row(T0 - 120_000), row(T0 - 90_000)];
    const { sweep, outbox } = setup(rows);
    answer(new Map([[rows[0]!.event_id, 'InternalFailure']]));
    expect(await sweep()).toEqual({ found: 2, published: 1, failed: 1, parked: 0, skipped: 0 });
    expect(outbox.rows.get(rows[0]!.event_id)).toMatchObject({ status: 'PENDING', pending: 'PENDING', attempts: 1, last_error: expect.stringMatching(/^InternalFailure: /) });
  });

  it('parks a row the bus refuses permanently, with its reason, and counts it in outbox_parked', async () => {
    const poisoned = row(T0 - 120_000);
    const { sweep, outbox, metric } = setup([poisoned]);
    answer(new Map([[poisoned.event_id, 'MalformedDetail']]));
    expect(await sweep()).toEqual({ found: 1, published: 0, failed: 0, parked: 1, skipped: 0 });
    expect(outbox.rows.get(poisoned.event_id)).toMatchObject({ status: 'PARKED', parked: 'PARKED', parked_at: T0, attempts: 1, last_error: 'MalformedDetail: MalformedDetail for this entry' });
    expect(outbox.rows.get(poisoned.event_id)!.pending).toBeUndefined();
    expect(metric('outbox_parked')).toBe(1);
  });

  it('parks a row that fails retryably for the maxAttempts-th sweep', async () => {
    const stubborn = row(T0 - 120_000, { attempts: 2 });
    const { sweep, outbox } = setup([stubborn], { maxAttempts: 3 });
    answer(new Map([[stubborn.event_id, 'InternalFailure']]));
    expect(await sweep()).toMatchObject({ parked: 1, failed: 0 });
    expect(outbox.rows.get(stubborn.event_id)).toMatchObject({ status: 'PARKED', attempts: 3 });
  });

  it('counts an attempt once when two sweeps race on a row (fenced on the count read)', async () => {
    const r = row(T0 - 120_000, { attempts: 4 });
    const { sweep, outbox } = setup([r]);
    answer(new Map([[r.event_id, 'InternalFailure']]));
    // another sweep counted its attempt between our read and our write
    const original = outbox.rows.get(r.event_id)!;
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      original.attempts = 5;
      return response(input.Entries.map(() => fail('InternalFailure')));
    });
    expect(await sweep()).toMatchObject({ failed: 1 });
    expect(outbox.rows.get(r.event_id)).toMatchObject({ attempts: 5 });
  });

  it('is never starved by old rows that fail: 500 old poisoned rows and one younger healthy row → the healthy row is published in the same run', async () => {
    const poisoned = Array.from({ length: 500 }, (_, i) => row(T0 - 3_600_000 + i));
    const healthy = row(T0 - 120_000);
    const { sweep, outbox } = setup([...poisoned, healthy]);
    answer(new Map(poisoned.map((p) => [p.event_id, 'MalformedDetail'])));
    const summary = await sweep();
    expect(summary).toEqual({ found: 501, published: 1, failed: 0, parked: 500, skipped: 0 });
    expect(sentIds()).toContain(healthy.event_id);
    expect(outbox.rows.get(healthy.event_id)).toMatchObject({ status: 'PUBLISHED' });
    expect([...outbox.rows.values()].filter((r) => r.status === 'PARKED')).toHaveLength(500);
  });

  it('is never starved by old rows that keep failing retryably either: each row is looked at once per run', async () => {
    const throttled = Array.from({ length: 600 }, (_, i) => row(T0 - 3_600_000 + i));
    const healthy = row(T0 - 120_000);
    const { sweep, outbox } = setup([...throttled, healthy]);
    answer(new Map(throttled.map((p) => [p.event_id, 'InternalFailure'])));
    expect(await sweep()).toMatchObject({ found: 601, published: 1, failed: 600 });
    expect(outbox.rows.get(healthy.event_id)).toMatchObject({ status: 'PUBLISHED' });
  });

  it('stops starting pages at its deadline and charges nothing to rows it did not send', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => row(T0 - 3_600_000 + i));
    const t = testPublisher();
    const outbox = new FakeOutbox();
    for (const r of rows) outbox.add(r);
    outbox.install(ddb);
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      t.clock.advance(1_000);
      return response(input.Entries.map(ok));
    });
    const table = createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock });
    const summary = await sweepOutbox({ table, publisher: t.publisher, olderThanMs: 60_000, deadline: T0 + 3_000 });
    expect(summary.found).toBeLessThan(250);
    expect(summary.skipped).toBeGreaterThan(0);
    const untouched = [...outbox.rows.values()].filter((r) => r.status === 'PENDING');
    expect(untouched.every((r) => r.attempts === undefined)).toBe(true);
    expect(ddb.commandCalls(UpdateItemCommand).length).toBe(summary.published);
  });
});
