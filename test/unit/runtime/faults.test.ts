import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderCancelledV1, OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import type { ConsumerOptions } from '../../../functions/runtime/consume/options';
import { createFailedMessageStore } from '../../../functions/runtime/publish/failed-message-store';
import { outgoing } from '../../../functions/runtime/publish/outgoing';
import { createReliablePublisher } from '../../../functions/runtime/publish/publish-or-store';
import { eventBridgeClient } from '../../../functions/runtime/support/aws-clients';
import { installFaults } from '../../../functions/testing/fault-middleware';
import { activeFaults, FAULTS_ENV, FaultConfigError, isLoopbackEndpoint, parseFaults, resetFaults } from '../../../functions/testing/faults';
import { validDetails } from '../../fixtures/details';
import { stubAwsHttp, testAwsEnvironment, type WireCall } from '../aws-http-stub';
import { eventIdOf as entryEventId, orderPayload, testPublisher } from '../publisher/helpers';
import { captureStdout, DLQ_URL, fakeContext, InMemoryIdempotencyTable, orderRecord, TABLE } from './helpers';

/**
 * Fault injection as it is wired into the local chaos deployment: `installFaults()` adds the consumer
 * middleware to every consumer and the SDK middleware to the runtime's shared clients. Requests are
 * answered under the SDK (aws-http-stub), so the SDK middleware runs as deployed.
 */
let table: InMemoryIdempotencyTable;
let out: ReturnType<typeof captureStdout>;
let aws: ReturnType<typeof stubAwsHttp>;
/** Overrides for one test: TransactWriteItems of the business writes, PutEvents answers. */
let onTransact: ((input: any) => unknown) | undefined;
const failedRows: Record<string, any>[] = [];
const saved = { faults: process.env[FAULTS_ENV], endpoint: process.env.AWS_ENDPOINT_URL, service: process.env.SERVICE_NAME };
const LOCAL = 'http://127.0.0.1:4566';

function route(call: WireCall): unknown {
  const { operation, input } = call;
  switch (operation) {
    case 'BatchExecuteStatement':
      return table.batchExecuteStatement(input);
    case 'BatchGetItem':
      return table.batchGetItem(input);
    case 'PutItem':
      if (input.TableName === 'failed') return void failedRows.push(unmarshall(input.Item));
      return table.putItem(input);
    case 'TransactWriteItems':
      return onTransact ? onTransact(input) : table.transactWriteItems(input);
    case 'SendMessage':
      return { MessageId: 'dlq-1' };
    case 'ChangeMessageVisibilityBatch':
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    case 'PutEvents':
      return { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: `eb-${Math.random().toString(36).slice(2)}` })) };
    default:
      throw new Error(`unexpected ${call.service}.${operation}`);
  }
}

/** Sets COURIER_FAULTS (object → JSON; undefined → unset) and AWS_ENDPOINT_URL (null → unset). */
function setFaults(faults: Record<string, unknown> | string | undefined, endpoint: string | null = LOCAL) {
  if (faults === undefined) delete process.env[FAULTS_ENV];
  else process.env[FAULTS_ENV] = typeof faults === 'string' ? faults : JSON.stringify(faults);
  if (endpoint === null) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = endpoint;
}

beforeAll(() => {
  testAwsEnvironment();
  process.env.IDEMPOTENCY_TABLE = TABLE;
  installFaults();
});
afterAll(() => {
  delete process.env.IDEMPOTENCY_TABLE;
});

beforeEach(() => {
  resetFaults();
  table = new InMemoryIdempotencyTable(TABLE);
  onTransact = undefined;
  failedRows.length = 0;
  aws = stubAwsHttp(route);
  process.env.CONSUMER_NAME = 'inventory-reserve';
  process.env.DLQ_URL = DLQ_URL;
  process.env.SERVICE_NAME = 'orders';
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  aws.restore();
  vi.restoreAllMocks();
  for (const [name, value] of [[FAULTS_ENV, saved.faults], ['AWS_ENDPOINT_URL', saved.endpoint], ['SERVICE_NAME', saved.service]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  resetFaults();
});

type Events = readonly [typeof OrderCreatedV1, typeof OrderCancelledV1];
const make = (over: Partial<ConsumerOptions<Events>> = {}) =>
  consumer({
    events: [OrderCreatedV1, OrderCancelledV1] as const,
    idempotency: { table: TABLE },
    perRecordTimeoutMs: 1_000,
    handle: async () => {},
    ...over,
  });
const batch = (n: number) => Array.from({ length: n }, () => orderRecord());
const failures = (res: { batchItemFailures: { itemIdentifier: string }[] }) => res.batchItemFailures.map((f) => f.itemIdentifier);
const ids = (records: SQSRecord[]) => records.map((r) => r.messageId);
const eventIdOf = (r: SQSRecord) => JSON.parse(r.body).detail.event_id as string;
/** Sum of an EMF metric over every document written, and the dimensions it was written with. */
const emfTotal = (name: string) => out.lines.filter((l) => l._aws && name in l).reduce((sum, l) => sum + Number(l[name]), 0);
const emfDocs = (name: string) => out.lines.filter((l) => l._aws && name in l);
const faultLogs = (kind: string) => out.lines.filter((l) => l.message === 'fault injected' && l.fault === kind);
const retryReasons = () => out.lines.filter((l) => l.message === 'record will be retried').map((l) => l.reason);

describe('COURIER_FAULTS: format', () => {
  it('parses every rate and the seed; absent kinds are 0', () => {
    expect(parseFaults('{"transient":0.1,"timeout":0.02,"crash":0.01,"putEventsThrottle":0.05,"idempotencyThrottle":0.05,"seed":42}')).toEqual({
      rates: { transient: 0.1, timeout: 0.02, crash: 0.01, putEventsThrottle: 0.05, idempotencyThrottle: 0.05 },
      seed: 42,
    });
    expect(parseFaults('{"crash":1}')).toEqual({ rates: { transient: 0, timeout: 0, crash: 1, putEventsThrottle: 0, idempotencyThrottle: 0 } });
    expect(parseFaults('{}').rates.transient).toBe(0);
  });

  it.each([
    ['{"transiant":0.1}', /unknown key "transiant"/],
    ['{"transient":1.5}', /transient 1.5, not a rate in 0..1/],
    ['{"timeout":-0.1}', /timeout -0.1, not a rate in 0..1/],
    ['{"crash":"0.1"}', /crash "0.1", not a rate/],
    ['{"crash":null}', /crash null, not a rate/],
    ['{"seed":4.2}', /seed 4.2, not an integer/],
    ['{"seed":"42"}', /seed "42", not an integer/],
    ['[0.1]', /is not a JSON object/],
    ['0.1', /is not a JSON object/],
    ['transient=0.1', /is not JSON/],
  ])('rejects %s with a message naming the problem and the format', (raw, why) => {
    expect(() => parseFaults(raw)).toThrow(FaultConfigError);
    expect(() => parseFaults(raw)).toThrow(why);
    expect(() => parseFaults(raw)).toThrow(/COURIER_FAULTS .*expected a JSON object like/);
  });
});

describe('COURIER_FAULTS: the local-engine guard', () => {
  it.each([
    ['http://127.0.0.1:4566', true],
    ['http://127.8.9.10:4566', true],
    ['http://localhost:4566', true],
    ['http://LOCALHOST:4566/', true],
    ['http://[::1]:4566', true],
    ['https://dynamodb.eu-west-1.amazonaws.com', false],
    ['http://10.0.0.5:4566', false],
    ['http://0.0.0.0:4566', false],
    ['http://128.0.0.1:4566', false],
    ['http://127.0.0.1.nip.io:4566', false],
    ['http://localhost.example.com:4566', false],
    ['http://[::ffff:7f00:1]:4566', false],
    ['127.0.0.1:4566', false],
    ['not a url', false],
    ['', false],
  ])('%s is loopback: %s', (endpoint, loopback) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(loopback);
  });

  it('unset or empty: off, nothing parsed', () => {
    setFaults(undefined);
    expect(activeFaults({ consumer: 'c' })).toBeUndefined();
    setFaults('  ');
    expect(activeFaults({ consumer: 'c' })).toBeUndefined();
    expect(out.lines).toEqual([]);
  });

  it('every rate 0: off', () => {
    setFaults({ transient: 0, seed: 1 });
    expect(activeFaults({ consumer: 'c' })).toBeUndefined();
  });

  it('on real AWS (no AWS_ENDPOINT_URL): injects nothing and logs one error line naming the ignored setting', async () => {
    setFaults({ transient: 1, timeout: 1, crash: 1, idempotencyThrottle: 1 }, null);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('process.exit called');
    }) as never);
    const handle = vi.fn(async () => {});
    const handler = make({ handle });
    for (let i = 0; i < 3; i++) expect(await handler({ Records: batch(3) }, fakeContext())).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(9);
    expect(exit).not.toHaveBeenCalled();
    const errors = out.lines.filter((l) => l.level === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ setting: 'COURIER_FAULTS', aws_endpoint_url: null });
    expect(errors[0]!.message).toContain('COURIER_FAULTS is set but ignored');
    expect(out.lines.filter((l) => l.message === 'fault injected')).toEqual([]);
    expect(out.lines.some((l) => Object.keys(l).some((k) => k.startsWith('fault_')))).toBe(false);
  });

  it('with a non-loopback endpoint: injects nothing (and says so once)', async () => {
    setFaults({ transient: 1 }, 'http://10.0.0.5:4566');
    const handle = vi.fn(async () => {});
    expect(await make({ handle })({ Records: batch(2) }, fakeContext())).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(2);
    expect(out.lines.filter((l) => l.level === 'ERROR')).toEqual([expect.objectContaining({ aws_endpoint_url: 'http://10.0.0.5:4566' })]);
  });

  it('outside the local engine an invalid setting is not even parsed: ignored, never thrown', async () => {
    setFaults('{"bogus":7}', null);
    expect(await make()({ Records: batch(1) }, fakeContext())).toEqual({ batchItemFailures: [] });
    expect(out.lines.filter((l) => l.level === 'ERROR')).toHaveLength(1);
  });

  it('on the local engine an invalid setting fails the invocation loudly, before any record runs', async () => {
    setFaults('{"transient":0.1,"chaos":1}');
    const handle = vi.fn(async () => {});
    await expect(make({ handle })({ Records: batch(2) }, fakeContext())).rejects.toThrow(/COURIER_FAULTS has unknown key "chaos"/);
    expect(handle).not.toHaveBeenCalled();
    expect(aws.calls).toHaveLength(0);
    expect(out.lines.find((l) => l.level === 'ERROR')).toMatchObject({ message: 'fault injection setting rejected', setting: 'COURIER_FAULTS' });
  });

  it('is read per invocation: flipping the variable turns faults on and off', async () => {
    const handle = vi.fn(async () => {});
    const handler = make({ handle });
    const first = batch(2);
    expect(failures(await handler({ Records: first }, fakeContext()))).toEqual([]);
    setFaults({ transient: 1 });
    const second = batch(2);
    expect(failures(await handler({ Records: second }, fakeContext()))).toEqual(ids(second));
    setFaults(undefined);
    expect(failures(await handler({ Records: second }, fakeContext()))).toEqual([]);
    expect(handle).toHaveBeenCalledTimes(4);
  });
});

describe('fault kinds through the real consumer', () => {
  it('transient: the handler call throws InjectedTransientFault → batchItemFailures, claim released, counted', async () => {
    setFaults({ transient: 1 });
    const handle = vi.fn(async () => {});
    const records = batch(3);
    const res = await make({ handle })({ Records: records }, fakeContext());
    expect(failures(res)).toEqual(ids(records));
    expect(handle).not.toHaveBeenCalled();
    expect(aws.of('SendMessage')).toHaveLength(0); // transient, not quarantined
    for (const r of records) expect(table.status(`inventory-reserve#${eventIdOf(r)}`)).toBeUndefined(); // released for the redelivery
    const retried = out.lines.filter((l) => l.message === 'record will be retried');
    expect(retried.map((l) => [l.reason, l.error.name])).toEqual(Array(3).fill(['handler_error', 'InjectedTransientFault']));
    expect(faultLogs('transient')).toHaveLength(3);
    expect(faultLogs('transient')[0]).toMatchObject({ consumer: 'inventory-reserve', message_id: records[0]!.messageId, event_id: eventIdOf(records[0]!) });
    expect(emfTotal('fault_transient')).toBe(3);
    expect(emfDocs('fault_transient')[0]).toMatchObject({ consumer: 'inventory-reserve', _aws: { CloudWatchMetrics: [{ Namespace: 'courier', Dimensions: [['consumer']] }] } });

    // The redelivery (faults off) runs them.
    setFaults(undefined);
    expect(await make({ handle })({ Records: records }, fakeContext())).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(3);
  });

  it('timeout: the handler hangs past the record deadline → DeadlineExceeded → retried', async () => {
    setFaults({ timeout: 1 });
    const handle = vi.fn(async () => {});
    const records = batch(2);
    const started = Date.now();
    const res = await make({ handle, perRecordTimeoutMs: 40 })({ Records: records }, fakeContext());
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(failures(res)).toEqual(ids(records));
    expect(handle).not.toHaveBeenCalled();
    expect(retryReasons()).toEqual(['deadline', 'deadline']);
    expect(out.lines.filter((l) => l.message === 'record will be retried').map((l) => l.error.name)).toEqual(['DeadlineExceeded', 'DeadlineExceeded']);
    expect(emfTotal('fault_timeout')).toBe(2);
  });

  it('idempotencyThrottle: the claim request fails before it is sent → transient for its records', async () => {
    setFaults({ idempotencyThrottle: 1 });
    const handle = vi.fn(async () => {});
    const records = batch(3);
    const res = await make({ handle })({ Records: records }, fakeContext());
    expect(failures(res)).toEqual(ids(records));
    expect(handle).not.toHaveBeenCalled();
    expect(aws.of('BatchExecuteStatement')).toHaveLength(0); // never sent
    const retried = out.lines.filter((l) => l.message === 'record will be retried');
    expect(retried.map((l) => [l.reason, l.error.name])).toEqual(Array(3).fill(['claim_failed', 'ProvisionedThroughputExceededException']));
    expect(faultLogs('idempotencyThrottle')).toEqual([expect.objectContaining({ consumer: 'inventory-reserve', command: 'BatchExecuteStatementCommand' })]);
    expect(emfTotal('fault_idempotencyThrottle')).toBe(1);
  });

  it('idempotencyThrottle on the optimistic marker read: the read is skipped, the records run and their commit decides', async () => {
    setFaults({ idempotencyThrottle: 1 });
    const records = batch(2).map((r) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } }));
    const res = await make({ idempotency: { table: TABLE, mode: 'optimistic' }, handle: async () => ({ writes: [{ Put: { TableName: 'points', Item: { pk: { S: 'p' } } } }] }) })(
      { Records: records },
      fakeContext(),
    );
    expect(res).toEqual({ batchItemFailures: [] });
    expect(aws.of('BatchGetItem')).toHaveLength(0); // never sent
    expect(faultLogs('idempotencyThrottle')).toEqual([expect.objectContaining({ command: 'BatchGetItemCommand' })]);
    for (const r of records) expect(table.status(`inventory-reserve#${eventIdOf(r)}`)).toBe('COMPLETED');
  });

  /** A seed whose idempotencyThrottle stream starts with `pattern` (true = throttle) at rate 0.5. */
  const seedFor = (pattern: boolean[]): number => {
    for (let seed = 0; seed < 5_000; seed++) {
      setFaults({ idempotencyThrottle: 0.5, seed });
      resetFaults();
      const f = activeFaults({ consumer: 'probe' })!;
      if (pattern.every((throttle) => f.hit('idempotencyThrottle') === throttle)) return seed;
    }
    throw new Error('no seed with that pattern');
  };

  it('idempotencyThrottle on the final flush: the flush is sent again and the markers complete, records acknowledged', async () => {
    // Claims go out first, the completion flush second and third: (pass, throttle, pass).
    setFaults({ idempotencyThrottle: 0.5, seed: seedFor([false, true, false]) });
    resetFaults();
    const records = batch(2);
    const res = await make()({ Records: records }, fakeContext());
    expect(res).toEqual({ batchItemFailures: [] });
    for (const r of records) expect(table.status(`inventory-reserve#${eventIdOf(r)}`)).toBe('COMPLETED');
    expect(faultLogs('idempotencyThrottle')).toHaveLength(1);
    expect(out.lines.filter((l) => l.message === 'idempotency marker not updated')).toHaveLength(0);
  });

  it('idempotencyThrottle on every flush attempt: markers stay IN_PROGRESS (lease decides), records acknowledged', async () => {
    setFaults({ idempotencyThrottle: 0.5, seed: seedFor([false, true, true, true, true, true]) });
    resetFaults();
    const records = batch(2);
    const res = await make()({ Records: records }, fakeContext());
    expect(res).toEqual({ batchItemFailures: [] });
    for (const r of records) expect(table.status(`inventory-reserve#${eventIdOf(r)}`)).toBe('IN_PROGRESS');
    expect(out.lines.filter((l) => l.message === 'idempotency marker not updated')).toHaveLength(2);
  });

  it('crash: exits mid-batch after some records committed; the whole-batch redelivery dedupes them (exactly-once)', async () => {
    // Exactly-once: each handler returns one business write, committed with the marker in one transaction.
    const effects = new Map<string, number>();
    onTransact = (input) => {
      const items = input.TransactItems as any[];
      const marker = items.at(-1)!.Update!;
      const id = marker.Key!.id!.S!;
      if (table.items.get(id)?.lease_token?.S !== marker.ExpressionAttributeValues![':token']!.S) {
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: items.map((_, i) => ({ Code: i === items.length - 1 ? 'ConditionalCheckFailed' : 'None' })),
        });
      }
      for (const t of items.slice(0, -1)) {
        const order = unmarshall(t.Put!.Item!).order_id as string;
        effects.set(order, (effects.get(order) ?? 0) + 1);
      }
      table.items.set(id, { ...table.items.get(id)!, status: { S: 'COMPLETED' } });
      return {};
    };
    const handle = vi.fn(async (event: { detail: { order_id: string } }) => ({
      writes: [{ Put: { TableName: 'effects', Item: { pk: { S: event.detail.order_id }, order_id: { S: event.detail.order_id } } } }],
    }));
    const records = Array.from({ length: 10 }, (_, i) => orderRecord({ ...validDetails()['order.created.v1']!, order_id: `ord-${i}` }));
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`process.exit(${code})`);
    }) as never);

    setFaults({ crash: 0.25, seed: 7 });
    const handler = make({ handle: handle as never, concurrency: 1, perRecordTimeoutMs: 50, safetyMarginMs: 50 });
    await expect(handler({ Records: records }, fakeContext())).rejects.toThrow('process.exit(1)');
    expect(exit).toHaveBeenCalledWith(1);
    const ranBeforeCrash = handle.mock.calls.length;
    expect(ranBeforeCrash).toBeGreaterThanOrEqual(1);
    expect(ranBeforeCrash).toBeLessThan(records.length); // mid-batch
    expect(effects.size).toBe(ranBeforeCrash); // each ran record committed its effect with its marker
    const crashLog = faultLogs('crash');
    expect(crashLog).toEqual([expect.objectContaining({ consumer: 'inventory-reserve', message_id: records[ranBeforeCrash - 1]!.messageId })]);
    expect(emfTotal('fault_crash')).toBe(1);
    // No completion flush and no response: the platform redelivers the whole batch after the visibility
    // timeout (≥ 6 × the function timeout), by when the leases of the claimed-but-never-run records ended.
    // Here: the lease covers 10 records × 50 ms plus the 50 ms margin.
    await new Promise((r) => setTimeout(r, 600));
    setFaults(undefined);
    const again = records.map((r) => ({ ...r, messageId: `${r.messageId}-again` }));
    expect(await handler({ Records: again }, fakeContext())).toEqual({ batchItemFailures: [] });
    expect(handle).toHaveBeenCalledTimes(records.length); // the committed ones did not run again
    expect(out.lines.filter((l) => l.message === 'duplicate acknowledged')).toHaveLength(ranBeforeCrash);
    expect([...effects.values()]).toEqual(Array(records.length).fill(1)); // every effect exactly once
  });

  it('seed determinism: the same seed picks the same records, another seed others', async () => {
    const run = async (seed: number) => {
      resetFaults();
      setFaults({ transient: 0.5, seed });
      const records = batch(20);
      const res = await make({ concurrency: 1 })({ Records: records }, fakeContext());
      const failed = new Set(failures(res));
      return records.map((r) => (failed.has(r.messageId) ? 1 : 0)).join('');
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/1/);
    expect(a).toMatch(/0/);
  });

  it('the seeded stream of one kind does not depend on the other kinds being enabled', () => {
    const picks = (faults: Record<string, unknown>) => {
      resetFaults();
      setFaults(faults);
      const f = activeFaults({ consumer: 'c' })!;
      return Array.from({ length: 32 }, () => (f.hit('crash') ? 1 : 0)).join('');
    };
    expect(picks({ crash: 0.3, seed: 9 })).toBe(picks({ crash: 0.3, transient: 0.7, putEventsThrottle: 0.2, seed: 9 }));
  });
});

describe('putEventsThrottle through the real publisher', () => {
  const events = (n: number) => Array.from({ length: n }, (_, i) => outgoing(OrderCreatedV1, orderPayload(`ord-${i}`)));
  const sentEntries = () => aws.of('PutEvents').flatMap((c) => c.input.Entries);
  // The runtime's shared EventBridge client carries the fault middleware, as in a deployed function.
  const publisherOnSharedClient = (overrides = {}) => testPublisher({ client: eventBridgeClient(), ...overrides });

  it('a throttled entry is answered ThrottlingException without being sent, and retried per entry', async () => {
    setFaults({ putEventsThrottle: 0.3, seed: 5 });
    const { publisher } = publisherOnSharedClient();
    const results = await publisher.publish(events(10));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill('published'));
    // Every entry went over the wire exactly once: throttled attempts never left the process.
    const sent = sentEntries().map(entryEventId).sort();
    expect(sent).toEqual(results.map((r) => r.eventId).sort());
    const attempts = results.map((r) => r.attempts);
    const injected = attempts.reduce((sum, a) => sum + a - 1, 0);
    expect(injected).toBeGreaterThan(0);
    expect(emfTotal('fault_putEventsThrottle')).toBe(injected);
    expect(emfDocs('fault_putEventsThrottle')[0]).toMatchObject({ service: 'orders', _aws: { CloudWatchMetrics: [{ Dimensions: [['service']] }] } });
    expect(faultLogs('putEventsThrottle').reduce((sum, l) => sum + l.count, 0)).toBe(injected);
    expect(faultLogs('putEventsThrottle')[0]).toMatchObject({ service: 'orders', detail_types: expect.arrayContaining(['order.created.v1']) });
  });

  it('always throttled: nothing is sent, entries fail retryable after maxAttempts', async () => {
    setFaults({ putEventsThrottle: 1 });
    const { publisher } = publisherOnSharedClient();
    const results = await publisher.publish(events(3));
    expect(aws.of('PutEvents')).toHaveLength(0);
    expect(results).toEqual(
      Array(3).fill(expect.objectContaining({ status: 'failed', code: 'ThrottlingException', retryable: true, attempts: 6 })),
    );
    expect(emfTotal('fault_putEventsThrottle')).toBe(18);
  });

  it('publishOrStore keeps what stayed throttled in the failed-message store as DUE', async () => {
    setFaults({ putEventsThrottle: 1 });
    const t = publisherOnSharedClient({ deadlineMs: 500 });
    const store = createFailedMessageStore({ tableName: 'failed', clock: t.clock });
    const kept = await createReliablePublisher({ publisher: t.publisher, store }).publishOrStore(events(2));
    expect(kept.map((k) => k.outcome)).toEqual(['stored', 'stored']);
    expect(failedRows.map((r) => r.status)).toEqual(['DUE', 'DUE']);
    expect(failedRows[0]!.error).toContain('ThrottlingException');
  });

  it('faults off: the PutEvents call is exactly as before', async () => {
    setFaults(undefined);
    const { publisher } = publisherOnSharedClient();
    await publisher.publish(events(3));
    expect(aws.of('PutEvents')).toHaveLength(1);
    expect(aws.of('PutEvents')[0]!.input.Entries).toHaveLength(3);
    expect(out.lines.filter((l) => l.message === 'fault injected')).toEqual([]);
  });
});
