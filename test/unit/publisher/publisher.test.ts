import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENT_ID_PATTERN, newEventId } from '../../../functions/contracts/index';
import { OrderCancelledV1, OrderCreatedV1, OrderCreatedV1 as Created } from '../../../functions/events/index';
import { outgoing } from '../../../functions/runtime/publish/outgoing';
import { PUBLISH_DEFAULTS } from '../../../functions/runtime/publish/publisher';
import { eventIdOf, fail, ok, orderPayload, response, storedEntry, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
afterEach(() => eb.reset());

/** Entries of every PutEvents call, in call order. */
const calls = (): PutEventsRequestEntry[][] => eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
const orders = (n: number) => Array.from({ length: n }, (_, i) => outgoing(OrderCreatedV1, orderPayload(`ord-${i}`), { correlationId: 'req-1' }));
const allOk = () => eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => response(input.Entries.map(ok)));

describe('publish', () => {
  it('fills the metadata, validates, and sends the bus name, source and detail-type', async () => {
    allOk();
    const { publisher } = testPublisher();
    const [result] = await publisher.publish([outgoing(OrderCancelledV1, { order_id: 'ord-1', user_id: 'user-42' }, { correlationId: 'req-9', causationId: 'evt-parent' })]);
    const [[sent]] = calls() as [[PutEventsRequestEntry]];
    expect(sent).toMatchObject({ EventBusName: 'courier-bus', Source: 'courier.orders', DetailType: 'order.cancelled.v1' });
    const detail = JSON.parse(sent.Detail!);
    expect(detail).toEqual({
      event_id: expect.stringMatching(EVENT_ID_PATTERN),
      occurred_at: new Date(T0).toISOString(),
      version: 1,
      correlation_id: 'req-9',
      causation_id: 'evt-parent',
      order_id: 'ord-1',
      user_id: 'user-42',
    });
    expect(result).toMatchObject({ status: 'published', eventId: detail.event_id, attempts: 1 });
  });

  it('starts a new correlation with the event id when none is given', async () => {
    allOk();
    const { publisher } = testPublisher();
    await publisher.publish([outgoing(Created, orderPayload())]);
    const detail = JSON.parse(calls()[0]![0]!.Detail!);
    expect(detail.correlation_id).toBe(detail.event_id);
    expect(detail).not.toHaveProperty('causation_id');
  });

  it('reports a contract violation per event and sends the valid ones', async () => {
    allOk();
    const { publisher, metric } = testPublisher();
    const bad = outgoing(Created, { ...orderPayload(), total_minor: 4.5 });
    const results = await publisher.publish([outgoing(Created, orderPayload('ord-a')), bad]);
    expect(results[0]!.status).toBe('published');
    expect(results[1]).toMatchObject({ status: 'failed', code: 'ContractViolation', retryable: false, attempts: 0 });
    expect(results[1]!.status === 'failed' && results[1]!.message).toContain('total_minor');
    expect(calls().flat()).toHaveLength(1);
    expect(metric('published')).toBe(1);
    expect(metric('publish_failed')).toBe(1);
  });

  it('sends 25 small events in ⌈25/10⌉ = 3 calls, results in input order', async () => {
    allOk();
    const { publisher } = testPublisher();
    const results = await publisher.publish(orders(25));
    expect(calls().map((c) => c.length)).toEqual([10, 10, 5]);
    expect(results.map((r) => r.eventId)).toEqual(calls().flat().map(eventIdOf));
    expect(results.every((r) => r.status === 'published')).toBe(true);
  });

  it('reports an entry over 256 KB as a clear per-event error and still sends the others', async () => {
    allOk();
    const { publisher } = testPublisher();
    const normal = storedEntry(newEventId());
    const oversized = { eventId: newEventId(), entry: { ...normal.entry, Detail: JSON.stringify({ pad: '😀'.repeat(70_000) }) } };
    const results = await publisher.publishStored([oversized, normal]); // 14 + 14 + 16 + 10 + 4 × 70 000 bytes
    expect(results[0]).toMatchObject({ status: 'failed', eventId: oversized.eventId, code: 'EntryTooLarge', retryable: false });
    expect(results[0]!.status === 'failed' && results[0]!.message).toBe('entry is 280054 bytes; PutEvents accepts at most 262143 bytes per call');
    expect(results[1]).toMatchObject({ status: 'published', eventId: normal.eventId });
    expect(calls()).toEqual([[{ ...normal.entry, EventBusName: 'courier-bus' }]]);
  });
});

describe('partial failures', () => {
  it('resends only ThrottlingException / InternalFailure entries, with the same event_id; other codes fail at once', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce(response([ok(), fail('ThrottlingException'), fail('InternalFailure'), fail('MalformedDetail'), fail('AccessDeniedException')]))
      .resolves(response([ok(), ok()]));
    const { publisher, clock, metric } = testPublisher();
    const results = await publisher.publish(orders(5));

    const [first, second] = calls();
    expect(calls()).toHaveLength(2);
    expect(second!.map(eventIdOf)).toEqual([eventIdOf(first![1]!), eventIdOf(first![2]!)]);
    expect(second!.map((e) => e.Detail)).toEqual([first![1]!.Detail, first![2]!.Detail]);
    expect(results.map((r) => r.status)).toEqual(['published', 'published', 'published', 'failed', 'failed']);
    expect(results.map((r) => r.attempts)).toEqual([1, 2, 2, 1, 1]);
    expect(results[3]).toMatchObject({ code: 'MalformedDetail', retryable: false });
    expect(results[4]).toMatchObject({ code: 'AccessDeniedException', retryable: false });
    expect(clock.sleeps).toEqual([25]); // full jitter: 0.5 × min(1000, 50 × 2^0)
    expect(metric('published')).toBe(3);
    expect(metric('publish_failed')).toBe(2);
  });

  it('keeps retrying throttled entries until the throttling clears after k attempts', async () => {
    const k = 4;
    let call = 0;
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => {
      call += 1;
      return response(input.Entries.map(() => (call < k ? fail('ThrottlingException') : ok())));
    });
    const { publisher, clock } = testPublisher();
    const results = await publisher.publish(orders(3));
    expect(calls()).toHaveLength(k);
    expect(new Set(calls().map((c) => c.map(eventIdOf).join()))).toHaveProperty('size', 1);
    expect(results.every((r) => r.status === 'published' && r.attempts === k)).toBe(true);
    expect(clock.sleeps).toEqual([25, 50, 100]); // ceilings 50, 100, 200 × random 0.5
  });

  it('treats a missing per-entry result as unknown and resends it (FailedEntryCount is never ignored)', async () => {
    eb.on(PutEventsCommand).resolvesOnce({ FailedEntryCount: 1, Entries: [ok()] }).resolves(response([ok()]));
    const { publisher } = testPublisher();
    const results = await publisher.publish(orders(2));
    expect(calls().map((c) => c.length)).toEqual([2, 1]);
    expect(eventIdOf(calls()[1]![0]!)).toBe(eventIdOf(calls()[0]![1]!));
    expect(results.every((r) => r.status === 'published')).toBe(true);
  });

  it('retries a whole call that was throttled or hit a server fault, but not a client fault', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client' });
    eb.on(PutEventsCommand).rejectsOnce(throttled).resolvesOnce(response([ok()])).rejects(denied);
    const { publisher } = testPublisher();
    expect((await publisher.publish(orders(1)))[0]).toMatchObject({ status: 'published', attempts: 2 });
    expect((await publisher.publish(orders(1)))[0]).toMatchObject({ status: 'failed', code: 'AccessDeniedException', retryable: false, attempts: 1 });
    expect(calls()).toHaveLength(3);
  });

  it('does not blame every entry for a whole call refused with a client fault: each is sent alone to find the culprit', async () => {
    // One entry the bus refuses (here an over-long detail-type) makes the whole call fail validation.
    const invalid = Object.assign(new Error('1 validation error detected: DetailType'), { name: 'ValidationException', $fault: 'client' });
    const culprit = { ...storedEntry(newEventId(), 'ord-bad'), entry: { ...storedEntry(newEventId()).entry, DetailType: 'x'.repeat(300) } };
    const innocent = [storedEntry(newEventId(), 'ord-1'), storedEntry(newEventId(), 'ord-2')];
    eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      if (input.Entries.some((e) => e.DetailType === culprit.entry.DetailType)) throw invalid;
      return response(input.Entries.map(ok));
    });
    const { publisher } = testPublisher();
    const [first, bad, second] = await publisher.publishStored([innocent[0]!, culprit, innocent[1]!]);
    expect(first).toMatchObject({ status: 'published', eventId: innocent[0]!.eventId });
    expect(second).toMatchObject({ status: 'published', eventId: innocent[1]!.eventId });
    expect(bad).toMatchObject({ status: 'failed', code: 'ValidationException', retryable: false, eventId: culprit.eventId });
    expect(calls().map((c) => c.length)).toEqual([3, 1, 1, 1]);
  });

  it('leaves the innocent entries retryable, never permanent, when there is no time left to isolate the culprit', async () => {
    const invalid = Object.assign(new Error('validation'), { name: 'ValidationException', $fault: 'client' });
    eb.on(PutEventsCommand).rejects(invalid);
    const { publisher } = testPublisher({ maxAttempts: 1 });
    const results = await publisher.publishStored([storedEntry(newEventId()), storedEntry(newEventId())]);
    expect(results.map((r) => r.status === 'failed' && r.retryable)).toEqual([true, true]);
  });

  it('stops within its own deadline and reports what is still failing as retryable', async () => {
    eb.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => response(input.Entries.map(() => fail('ThrottlingException'))));
    const { publisher, clock } = testPublisher({ deadlineMs: 300, maxAttempts: 100, backoff: { baseMs: 50, capMs: 1_000 } });
    const results = await publisher.publish(orders(2));
    const slept = clock.sleeps.reduce((a, b) => a + b, 0);
    expect(slept).toBeLessThan(300);
    expect(clock.sleeps).toEqual([25, 50, 100]); // the next wait (200) would cross the deadline
    expect(results[0]).toMatchObject({ status: 'failed', code: 'ThrottlingException', retryable: true, attempts: 4 });
    expect(results[0]!.status === 'failed' && results[0]!.message).toContain('publish deadline of 300 ms reached after 4 attempts');
  });

  it('gives up after maxAttempts calls per entry', async () => {
    eb.on(PutEventsCommand).resolves(response([fail('InternalFailure')]));
    const { publisher } = testPublisher();
    const [result] = await publisher.publish(orders(1));
    expect(calls()).toHaveLength(PUBLISH_DEFAULTS.maxAttempts);
    expect(result).toMatchObject({ status: 'failed', retryable: true, attempts: PUBLISH_DEFAULTS.maxAttempts });
  });
});
