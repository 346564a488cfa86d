import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/index';
import { createFailedMessageStore, FAILED_MESSAGE_RETENTION_MS } from '../../../functions/runtime/publish/failed-message-store';
import { outgoing } from '../../../functions/runtime/publish/outgoing';
import { createReliablePublisher } from '../../../functions/runtime/publish/publish-or-store';
import { ddbClient, eventIdOf, fail, ok, orderPayload, response, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBClient);
afterEach(() => {
  eb.reset();
  ddb.reset();
});

function setup() {
  const t = testPublisher({ deadlineMs: 500 });
  const store = createFailedMessageStore({ tableName: 'failed', client: ddbClient(), clock: t.clock });
  return { ...t, reliable: createReliablePublisher({ publisher: t.publisher, store }) };
}
const storedRows = () => ddb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item!));
const events = (n: number) => Array.from({ length: n }, (_, i) => outgoing(OrderCreatedV1, orderPayload(`ord-${i}`)));

describe('publishOrStore', () => {
  it('keeps what is still throttled at its deadline in the failed-message table as DUE, same event_id', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce(response([ok(), fail('ThrottlingException')]))
      .resolves(response([fail('ThrottlingException')]));
    ddb.on(PutItemCommand).resolves({});
    const { reliable, clock } = setup();

    const kept = await reliable.publishOrStore(events(2));

    const sent = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    const throttledId = eventIdOf(sent[0]![1]!);
    expect(kept).toEqual([
      { eventId: eventIdOf(sent[0]![0]!), outcome: 'published' },
      { eventId: throttledId, outcome: 'stored' },
    ]);
    const [row] = storedRows();
    expect(storedRows()).toHaveLength(1);
    expect(row).toMatchObject({
      event_id: throttledId,
      status: 'DUE',
      due: 'DUE',
      attempts: 1,
      next_attempt_at: clock.now() + 30_000, // 0.5 × 60 s
      expires_at: Math.floor((clock.now() + FAILED_MESSAGE_RETENTION_MS) / 1000),
    });
    expect(row!.error).toMatch(/^ThrottlingException: .*publish deadline of 500 ms reached/);
    expect(clock.now() - T0).toBeLessThan(500);
    const entry = JSON.parse(row!.entry);
    expect(entry).toEqual({ Source: 'courier.orders', DetailType: 'order.created.v1', Detail: sent[0]![1]!.Detail });
  });

  it('parks a permanent failure at once, counted by the parked metric', async () => {
    eb.on(PutEventsCommand).resolves(response([fail('MalformedDetail')]));
    ddb.on(PutItemCommand).resolves({});
    const { reliable, metric } = setup();
    const [kept] = await reliable.publishOrStore(events(1));
    expect(kept!.outcome).toBe('parked');
    const [row] = storedRows();
    expect(row).toMatchObject({ status: 'PARKED', parked_at: T0, attempts: 1 });
    expect(row).not.toHaveProperty('due');
    expect(metric('parked')).toBe(1);
    expect(metric('publish_failed')).toBe(1);
  });

  it('never throws: when the store fails too, the entry goes to the log and the event is reported lost', async () => {
    eb.on(PutEventsCommand).rejects(Object.assign(new Error('no such bus'), { name: 'ResourceNotFoundException', $fault: 'client' }));
    ddb.on(PutItemCommand).rejects(new Error('table gone'));
    const { reliable, logs } = setup();
    const kept = await reliable.publishOrStore(events(1));
    expect(kept[0]!.outcome).toBe('lost');
    const line = logs.find((l) => String(l.message).startsWith('event lost'));
    expect(line).toMatchObject({ event_id: kept[0]!.eventId, entry: { DetailType: 'order.created.v1' } });
  });
});

describe('publishLater', () => {
  it('returns at once and drain() waits for the publish', async () => {
    let release!: () => void;
    eb.on(PutEventsCommand).callsFake(() => new Promise((resolve) => (release = () => resolve(response([ok()])))));
    const { reliable } = setup();
    let drained = false;
    expect(reliable.publishLater(events(1))).toBeUndefined();
    const draining = reliable.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    release();
    await draining;
    expect(drained).toBe(true);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
