import {
  BatchExecuteStatementCommand,
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderCancelledV1, OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import type { ConsumerOptions } from '../../../functions/runtime/consume/options';
import { PermanentError } from '../../../functions/runtime/consume/errors';
import { validDetails } from '../../fixtures/details';
import {
  captureStdout,
  DLQ_URL,
  eventBridgeBody,
  fakeContext,
  InMemoryIdempotencyTable,
  FIFO_ARN,
  orderRecord,
  sqsRecord,
  TABLE,
} from './helpers';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
let table: InMemoryIdempotencyTable;
let out: ReturnType<typeof captureStdout>;

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  table = new InMemoryIdempotencyTable();
  table.install(ddb);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  process.env.CONSUMER_NAME = 'inventory-reserve';
  process.env.DLQ_URL = DLQ_URL;
  out = captureStdout();
});
afterEach(() => out.restore());

type Events = readonly [typeof OrderCreatedV1, typeof OrderCancelledV1];
const make = (over: Partial<ConsumerOptions<Events>> = {}) =>
  consumer({
    events: [OrderCreatedV1, OrderCancelledV1] as const,
    idempotency: { table: TABLE },
    perRecordTimeoutMs: 1_000,
    handle: async () => {},
    ...over,
  });
const sqsEvent = (...records: SQSRecord[]) => ({ Records: records });
const failures = (res: { batchItemFailures: { itemIdentifier: string }[] }) => res.batchItemFailures.map((f) => f.itemIdentifier);
const logsFor = (messageId: string) => out.lines.filter((l) => l.message_id === messageId);
const emf = () => out.lines.filter((l) => l._aws).at(-1);
const eventIdOf = (r: SQSRecord) => JSON.parse(r.body).detail.event_id as string;
const dlqSends = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);

describe('consumer: decoding and acknowledgement (1)', () => {
  it('runs the handler once per valid record with the typed detail and acknowledges them all', async () => {
    const seen: unknown[] = [];
    const handler = make({ handle: async (event) => void seen.push(event.detail.order_id) });
    const records = Array.from({ length: 10 }, () => orderRecord());
    const res = await handler(sqsEvent(...records), fakeContext());
    expect(res).toEqual({ batchItemFailures: [] });
    expect(seen).toHaveLength(10);
    // one claim request and one completion request for the whole batch
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(2);
    expect(ddb.calls()).toHaveLength(2);
    for (const r of records) expect(table.status(`inventory-reserve#${eventIdOf(r)}`)).toBe('COMPLETED');
  });

  it('never throws: a failure of the idempotency table fails the records, not the invocation', async () => {
    ddb.on(BatchExecuteStatementCommand).rejects(new Error('table unavailable'));
    const handle = vi.fn(async () => {});
    const records = [orderRecord(), orderRecord()];
    const res = await make({ handle })(sqsEvent(...records), fakeContext());
    expect(failures(res)).toEqual(records.map((r) => r.messageId));
    expect(handle).not.toHaveBeenCalled();
  });
});

describe('consumer: permanent failures (2)', () => {
  const valid = validDetails()['order.created.v1']!;
  const cases: [string, SQSRecord, string][] = [
    ['not JSON', sqsRecord('{oops'), 'MalformedJson'],
    ['not an EventBridge event', sqsRecord(JSON.stringify({ order_id: 'x' })), 'NotAnEventBridgeEvent'],
    ['unknown detail-type', sqsRecord(eventBridgeBody('order.exploded.v1', valid, 'courier.orders')), 'UnknownDetailType'],
    ['unknown version', sqsRecord(eventBridgeBody('order.created.v2', valid, 'courier.orders')), 'UnknownDetailType'],
    ['schema violation', orderRecord({ ...valid, total_minor: -1 }), 'ContractViolation'],
    ['undeclared detail-type', sqsRecord(eventBridgeBody('risk.assessed.v1')), 'UnexpectedDetailType'],
  ];

  it.each(cases)('%s: sent to the DLQ with its reason, then acknowledged', async (_, record, errorClass) => {
    const handle = vi.fn(async () => {});
    const res = await make({ handle })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(handle).not.toHaveBeenCalled();
    const [sent] = dlqSends();
    expect(sent?.QueueUrl).toBe(DLQ_URL);
    expect(sent?.MessageBody).toBe(record.body);
    const attrs = sent!.MessageAttributes!;
    expect(attrs['courier.error_class']?.StringValue).toBe(errorClass);
    expect(attrs['courier.consumer']?.StringValue).toBe('inventory-reserve');
    expect(attrs['courier.error_message']?.StringValue).toBeTruthy();
    expect(new Date(attrs['courier.first_failed_at']!.StringValue!).toISOString()).toBe(attrs['courier.first_failed_at']!.StringValue);
    expect(attrs['courier.source_message_id']?.StringValue).toBe(record.messageId);
    expect(logsFor(record.messageId).at(-1)).toMatchObject({ outcome: 'quarantined' });
  });

  it('names the paths of a schema violation, the detail-type and the event id', async () => {
    const record = orderRecord({ ...valid, total_minor: 1.5 });
    await make()(sqsEvent(record), fakeContext());
    const attrs = dlqSends()[0]!.MessageAttributes!;
    expect(attrs['courier.error_message']?.StringValue).toContain('total_minor');
    expect(attrs['courier.detail_type']?.StringValue).toBe('order.created.v1');
    expect(attrs['courier.event_id']?.StringValue).toBe(valid.event_id);
  });

  it('truncates a long error message', async () => {
    const handle = async () => { throw new PermanentError('x'.repeat(5_000)); };
    await make({ handle })(sqsEvent(orderRecord()), fakeContext());
    expect(dlqSends()[0]!.MessageAttributes!['courier.error_message']!.StringValue!.length).toBe(1_000);
  });

  it('quarantines a record whose handler throws PermanentError, and releases its claim', async () => {
    class OrderTooOld extends PermanentError { override name = 'OrderTooOld'; }
    const record = orderRecord();
    const res = await make({ handle: async () => { throw new OrderTooOld('order is archived'); } })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(dlqSends()[0]!.MessageAttributes!['courier.error_class']?.StringValue).toBe('OrderTooOld');
    expect(table.items.size).toBe(0); // redriven after a fix, it runs again
  });

  it('reports the record as failed when the DLQ send fails (never lost)', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('sqs down'));
    const bad = sqsRecord('not json');
    const good = orderRecord();
    const res = await make()(sqsEvent(bad, good), fakeContext());
    expect(failures(res)).toEqual([bad.messageId]);
    expect(logsFor(bad.messageId).at(-1)).toMatchObject({ outcome: 'retry', reason: 'dlq_send_failed' });
  });

  it('keeps the original message attributes and uses group and dedup ids for a FIFO DLQ', async () => {
    const record = sqsRecord('nope', { arn: FIFO_ARN, group: 'user-42' });
    record.messageAttributes = { trace: { dataType: 'String', stringValue: 'abc', stringListValues: [], binaryListValues: [] } };
    const handler = make({ dlqUrl: `${DLQ_URL}.fifo` });
    await handler(sqsEvent(record), fakeContext());
    const sent = dlqSends()[0]!;
    expect(sent.MessageGroupId).toBe('user-42');
    expect(sent.MessageDeduplicationId).toBe(record.messageId);
    expect(sent.MessageAttributes!.trace).toEqual({ DataType: 'String', StringValue: 'abc' });
  });
});

describe('consumer: transient failures (3)', () => {
  it('reports the record and releases its claim so the redelivery runs the handler again', async () => {
    let calls = 0;
    const handler = make({ handle: async () => { if (++calls === 1) throw new Error('downstream 503'); } });
    const record = orderRecord();
    const first = await handler(sqsEvent(record), fakeContext());
    expect(failures(first)).toEqual([record.messageId]);
    expect(table.items.size).toBe(0);
    expect(dlqSends()).toHaveLength(0);
    const second = await handler(sqsEvent(record), fakeContext());
    expect(second.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
  });

  it('isolates the failure: other records of the batch are acknowledged', async () => {
    const records = [orderRecord(), orderRecord(), orderRecord()];
    const poison = eventIdOf(records[1]!);
    const res = await make({ handle: async (e) => { if (e.detail.event_id === poison) throw new Error('boom'); } })(sqsEvent(...records), fakeContext());
    expect(failures(res)).toEqual([records[1]!.messageId]);
  });
});

describe('consumer: retry delay', () => {
  const delays = () => sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries!);

  it('brings a transiently failed record back after a short backoff instead of the whole visibility timeout', async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const [ok, bad] = [orderRecord(), orderRecord()];
    const res = await make({ handle: async (e) => { if (e.detail.event_id === eventIdOf(bad!)) throw new Error('503'); } })(sqsEvent(ok!, bad!), fakeContext());
    expect(failures(res)).toEqual([bad!.messageId]);
    expect(delays()).toEqual([{ Id: '0', ReceiptHandle: bad!.receiptHandle, VisibilityTimeout: expect.any(Number) }]);
    expect(delays()[0]!.VisibilityTimeout).toBeLessThanOrEqual(5);
  });

  it('leaves a record another invocation holds to its lease, and delays nothing when turned off or on FIFO', async () => {
    const record = orderRecord();
    table.items.set(`inventory-reserve#${eventIdOf(record)}`, {
      id: { S: `inventory-reserve#${eventIdOf(record)}` }, status: { S: 'IN_PROGRESS' }, lease_token: { S: 'someone' },
      lease_expires_at: { N: String(Date.now() + 60_000) }, expires_at: { N: String(Math.floor(Date.now() / 1000) + 3600) },
    });
    expect(failures(await make()(sqsEvent(record), fakeContext()))).toEqual([record.messageId]);
    const failing = make({ retryBackoff: false, handle: async () => { throw new Error('503'); } });
    await failing(sqsEvent(orderRecord()), fakeContext());
    const fifo = make({ handle: async () => { throw new Error('503'); } });
    await fifo(sqsEvent(orderRecord(undefined, { arn: FIFO_ARN, group: 'g' })), fakeContext());
    expect(delays()).toEqual([]);
  });
});

describe('consumer: ordering key', () => {
  it('runs records with the same key one after another, in arrival order, and other keys concurrently', async () => {
    const order = (id: string) => orderRecord({ ...validDetails()['order.created.v1']!, order_id: id });
    const records = [order('o-1'), order('o-2'), order('o-1'), order('o-1')];
    const seen: string[] = [];
    const inFlight = new Map<string, number>();
    let peakPerKey = 0;
    let peak = 0;
    const handle = async (e: { detail: { order_id?: string; event_id: string } }) => {
      const key = e.detail.order_id!;
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      peakPerKey = Math.max(peakPerKey, inFlight.get(key)!);
      peak = Math.max(peak, [...inFlight.values()].reduce((a, b) => a + b, 0));
      await new Promise((r) => setTimeout(r, 5));
      seen.push(e.detail.event_id);
      inFlight.set(key, inFlight.get(key)! - 1);
    };
    await make({ handle, orderingKey: (e) => e.detail.order_id })(sqsEvent(...records), fakeContext());
    expect(peakPerKey).toBe(1);
    expect(peak).toBe(2);
    const o1 = [records[0]!, records[2]!, records[3]!].map(eventIdOf);
    expect(seen.filter((id) => o1.includes(id))).toEqual(o1);
  });
});

describe('consumer: deadlines (4)', () => {
  it('aborts the signal at the per-record budget even when the context reports plenty of time', async () => {
    let aborted: unknown;
    const handle = (_: unknown, { signal }: { signal: AbortSignal }) =>
      new Promise<void>((_, reject) => signal.addEventListener('abort', () => { aborted = signal.reason; reject(signal.reason); }));
    const record = orderRecord();
    const started = Date.now();
    const res = await make({ perRecordTimeoutMs: 50, handle })(sqsEvent(record), fakeContext(300_000));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(aborted).toBeInstanceOf(Error);
    expect(failures(res)).toEqual([record.messageId]);
    expect(logsFor(record.messageId).at(-1)).toMatchObject({ outcome: 'retry', reason: 'deadline' });
    expect(table.items.size).toBe(0);
  });

  it('cuts off a handler that ignores its signal, at remaining time − margin when that is sooner', async () => {
    const record = orderRecord();
    const started = Date.now();
    const handle = () => new Promise<void>((resolve) => setTimeout(resolve, 2_000));
    const res = await make({ perRecordTimeoutMs: 10_000, safetyMarginMs: 1_000, handle })(sqsEvent(record), fakeContext(1_080));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(failures(res)).toEqual([record.messageId]);
  });

  it('starts no record once the remaining time is below the margin, and reports the unstarted ones', async () => {
    let remaining = 10_000;
    const context = { getRemainingTimeInMillis: () => remaining };
    const handle = vi.fn(async () => { remaining = 500; }); // the first record eats the invocation
    const records = [orderRecord(), orderRecord(), orderRecord()];
    const res = await make({ concurrency: 1, safetyMarginMs: 1_000, handle })(sqsEvent(...records), context);
    expect(handle).toHaveBeenCalledTimes(1);
    expect(failures(res)).toEqual([records[1]!.messageId, records[2]!.messageId]);
    expect(logsFor(records[2]!.messageId).at(-1)).toMatchObject({ reason: 'invocation_deadline' });
    // the unstarted records' claims are released; the finished one is completed
    expect(table.status(`inventory-reserve#${eventIdOf(records[0]!)}`)).toBe('COMPLETED');
    expect(table.items.size).toBe(1);
  });

  it('claims nothing and runs nothing when the invocation starts below the margin', async () => {
    const handle = vi.fn(async () => {});
    const records = [orderRecord(), orderRecord()];
    const res = await make({ handle })(sqsEvent(...records), fakeContext(100));
    expect(failures(res)).toHaveLength(2);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('consumer: idempotency (5)', () => {
  it('acknowledges a completed duplicate without running the handler, with one request for the batch', async () => {
    const handle = vi.fn(async () => {});
    const handler = make({ handle });
    const record = orderRecord();
    await handler(sqsEvent(record), fakeContext());
    ddb.resetHistory();
    const redelivered = { ...record, messageId: 'other-delivery' };
    const res = await handler(sqsEvent(redelivered), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(handle).toHaveBeenCalledTimes(1);
    expect(ddb.calls()).toHaveLength(1);
    expect(logsFor('other-delivery').at(-1)).toMatchObject({ outcome: 'duplicate' });
    expect(emf()).toMatchObject({ duplicates: 1, consumer: 'inventory-reserve' });
  });

  it('reports an in-progress duplicate with a live lease as failed, without running it', async () => {
    const record = orderRecord();
    table.items.set(`inventory-reserve#${eventIdOf(record)}`, {
      id: { S: `inventory-reserve#${eventIdOf(record)}` }, status: { S: 'IN_PROGRESS' }, lease_token: { S: 'someone' },
      lease_expires_at: { N: String(Date.now() + 60_000) }, expires_at: { N: String(Math.floor(Date.now() / 1000) + 3600) },
    });
    const handle = vi.fn(async () => {});
    const res = await make({ handle })(sqsEvent(record), fakeContext());
    expect(failures(res)).toEqual([record.messageId]);
    expect(handle).not.toHaveBeenCalled();
    expect(table.items.get(`inventory-reserve#${eventIdOf(record)}`)?.lease_token?.S).toBe('someone');
  });

  it('takes over an expired lease and runs the record', async () => {
    const record = orderRecord();
    const id = `inventory-reserve#${eventIdOf(record)}`;
    table.items.set(id, {
      id: { S: id }, status: { S: 'IN_PROGRESS' }, lease_token: { S: 'crashed' },
      lease_expires_at: { N: String(Date.now() - 1) }, expires_at: { N: String(Math.floor(Date.now() / 1000) + 3600) },
    });
    const handle = vi.fn(async () => {});
    const res = await make({ handle })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(handle).toHaveBeenCalledOnce();
    expect(table.status(id)).toBe('COMPLETED');
  });

  it('treats a completed marker past its expiry as absent (TTL deletion lags)', async () => {
    const record = orderRecord();
    const id = `inventory-reserve#${eventIdOf(record)}`;
    table.items.set(id, { id: { S: id }, status: { S: 'COMPLETED' }, lease_token: { S: 'old' }, lease_expires_at: { N: '0' }, expires_at: { N: String(Math.floor(Date.now() / 1000) - 10) } });
    const handle = vi.fn(async () => {});
    await make({ handle })(sqsEvent(record), fakeContext());
    expect(handle).toHaveBeenCalledOnce();
  });

  it('a late finisher whose lease was taken over does not overwrite the new owner', async () => {
    const record = orderRecord();
    const id = `inventory-reserve#${eventIdOf(record)}`;
    const handle = async () => {
      // meanwhile our lease ended and another delivery took the record over
      table.items.set(id, { ...table.items.get(id)!, lease_token: { S: 'new-owner' } });
    };
    const res = await make({ handle })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(table.items.get(id)).toMatchObject({ status: { S: 'IN_PROGRESS' }, lease_token: { S: 'new-owner' } });
    expect(out.lines.some((l) => l.message === 'idempotency marker not updated' && l.result === 'lease_lost')).toBe(true);
  });

  it('runs only one of two copies of the same event within one batch; the copy follows it and is acknowledged', async () => {
    const first = orderRecord();
    const copy = { ...first, messageId: 'copy' };
    const handle = vi.fn(async () => {});
    const res = await make({ handle })(sqsEvent(first, copy), fakeContext());
    expect(handle).toHaveBeenCalledOnce();
    // not left to a visibility timeout (6 × the function timeout) for an answer the batch already has
    expect(res.batchItemFailures).toEqual([]);
    expect(out.lines.find((l) => l.message_id === 'copy')).toMatchObject({ outcome: 'duplicate', reason: 'copy_in_batch' });
  });

  it('retries the copy with its first when the first fails, without running it', async () => {
    const first = orderRecord();
    const copy = { ...first, messageId: 'copy' };
    const handle = vi.fn(async () => {
      throw new Error('503');
    });
    const res = await make({ handle })(sqsEvent(first, copy), fakeContext());
    expect(handle).toHaveBeenCalledOnce();
    expect(failures(res)).toEqual([first.messageId, 'copy']);
  });

  it('uses the caller’s key, prefixed with the consumer name', async () => {
    const detail = validDetails()['order.created.v1']!;
    await make({ idempotency: { table: TABLE, key: (e) => `order-${e.detail.order_id}` } })(sqsEvent(orderRecord(detail)), fakeContext());
    expect(table.status('inventory-reserve#order-ord-1001')).toBe('COMPLETED');
  });

  it('makes no DynamoDB request when idempotency is off', async () => {
    const res = await make({ idempotency: false })(sqsEvent(orderRecord(), orderRecord()), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('sets a lease that covers every record of the batch plus the completion flush (the margin), and a TTL', async () => {
    const before = Date.now();
    await make({ perRecordTimeoutMs: 1_000, safetyMarginMs: 500, handle: async () => { throw new Error('keep the claim visible'); } })(sqsEvent(orderRecord(), orderRecord()), fakeContext());
    const insert = ddb.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input.Statements![0]!;
    const lease = Number(insert.Parameters![3]!.N);
    const expires = Number(insert.Parameters![4]!.N);
    expect(lease).toBeGreaterThanOrEqual(before + 2 * 1_000 + 500);
    expect(lease).toBeLessThanOrEqual(Date.now() + 2 * 1_000 + 500);
    expect(expires).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 48 * 3600);
  });
});

describe('consumer: exactly-once effect mode (6)', () => {
  const award = (userId: string): TransactWriteItem => ({
    Update: {
      TableName: 'points', Key: { pk: { S: userId } }, UpdateExpression: 'ADD balance :p',
      ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':p': { N: '25' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  });
  const writesHandler = vi.fn(async (e: { detail: { user_id: string } }) => ({ writes: [award(e.detail.user_id)] }));
  beforeEach(() => { writesHandler.mockClear(); });

  it('commits the writes with the completion marker in one transaction, with no separate completion', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const record = orderRecord();
    const res = await make({ handle: writesHandler })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    const [tx] = ddb.commandCalls(TransactWriteItemsCommand);
    const items = tx!.args[0].input.TransactItems!;
    expect(items[0]).toEqual(award('user-42'));
    expect(items[1]!.Update).toMatchObject({ TableName: TABLE, Key: { id: { S: `inventory-reserve#${eventIdOf(record)}` } }, ConditionExpression: 'lease_token = :token' });
    expect(items[1]!.Update!.ExpressionAttributeValues![':token']).toEqual(table.items.get(`inventory-reserve#${eventIdOf(record)}`)!.lease_token);
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1); // the claim only
  });

  it('never applies the writes of a duplicate', async () => {
    ddb.on(TransactWriteItemsCommand).callsFake((input) => {
      const marker = input.TransactItems.at(-1).Update;
      const id = marker.Key.id.S;
      table.items.set(id, { ...table.items.get(id)!, status: { S: 'COMPLETED' } });
      return {};
    });
    const handler = make({ handle: writesHandler });
    const record = orderRecord();
    await handler(sqsEvent(record), fakeContext());
    const res = await handler(sqsEvent({ ...record, messageId: 'again' }), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
    expect(writesHandler).toHaveBeenCalledOnce();
  });

  it('reports a lost lease (marker condition failed) for retry, applying nothing', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }] }));
    const record = orderRecord();
    const res = await make({ handle: writesHandler })(sqsEvent(record), fakeContext());
    expect(failures(res)).toEqual([record.messageId]);
    expect(logsFor(record.messageId).at(-1)).toMatchObject({ reason: 'lease_lost' });
  });

  it('quarantines a business-condition failure as BusinessConditionFailed and releases the claim', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    const res = await make({ handle: writesHandler })(sqsEvent(orderRecord()), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(dlqSends()[0]!.MessageAttributes!['courier.error_class']?.StringValue).toBe('BusinessConditionFailed');
    expect(table.items.size).toBe(0);
  });

  it('hands a business-condition failure to onConditionFailed; returning acknowledges and completes', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new TransactionCanceledException({
      message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: { pk: { S: 'user-42' } } }, { Code: 'None' }],
    }));
    const onConditionFailed = vi.fn(async () => {});
    const record = orderRecord();
    const res = await make({ handle: writesHandler, onConditionFailed })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(onConditionFailed).toHaveBeenCalledWith(expect.objectContaining({ name: 'BusinessConditionFailed', index: 0, item: { pk: 'user-42' } }), expect.anything(), expect.anything());
    expect(table.status(`inventory-reserve#${eventIdOf(record)}`)).toBe('COMPLETED');
    expect(dlqSends()).toHaveLength(0);
  });

  it('keeps the claim when the commit outcome is unknown (its lease decides on redelivery)', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new Error('socket hang up'));
    const record = orderRecord();
    const res = await make({ handle: writesHandler })(sqsEvent(record), fakeContext());
    expect(failures(res)).toEqual([record.messageId]);
    expect(table.status(`inventory-reserve#${eventIdOf(record)}`)).toBe('IN_PROGRESS');
  });
});

describe('consumer: FIFO (7, 8)', () => {
  it('processes a group in order and fails its later records after a failure, without running them', async () => {
    const ran: string[] = [];
    const a = [1, 2, 3].map(() => orderRecord(undefined, { arn: FIFO_ARN, group: 'a' }));
    const b = [orderRecord(undefined, { arn: FIFO_ARN, group: 'b' })];
    const handle = async (e: { detail: { event_id: string } }) => {
      ran.push(e.detail.event_id);
      if (e.detail.event_id === eventIdOf(a[1]!)) throw new Error('transient');
    };
    const res = await make({ handle })(sqsEvent(a[0]!, a[1]!, b[0]!, a[2]!), fakeContext());
    expect(failures(res)).toEqual([a[1]!.messageId, a[2]!.messageId]);
    expect(ran).toEqual([eventIdOf(a[0]!), eventIdOf(a[1]!), eventIdOf(b[0]!)]);
    expect(logsFor(a[2]!.messageId).at(-1)).toMatchObject({ reason: 'fifo_group_blocked' });
    expect(table.items.size).toBe(2); // a1 and b1 completed; a2 and a3 released
  });

  it('lets a quarantined record pass: the group continues', async () => {
    const bad = sqsRecord('junk', { arn: FIFO_ARN, group: 'a' });
    const good = orderRecord(undefined, { arn: FIFO_ARN, group: 'a' });
    const res = await make()(sqsEvent(bad, good), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
  });

  it('runs FIFO records one at a time by default, standard ones up to 10 at once, or the configured limit', async () => {
    const peakFor = async (records: SQSRecord[], concurrency?: number) => {
      let inFlight = 0;
      let peak = 0;
      const handle = async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
      };
      await make({ handle, ...(concurrency && { concurrency }) })(sqsEvent(...records), fakeContext());
      return peak;
    };
    expect(await peakFor(Array.from({ length: 12 }, () => orderRecord()))).toBe(10);
    expect(await peakFor(Array.from({ length: 6 }, () => orderRecord()), 2)).toBe(2);
    expect(await peakFor(['a', 'b', 'c'].map((group) => orderRecord(undefined, { arn: FIFO_ARN, group })))).toBe(1);
  });
});

describe('consumer: logs and metrics (9)', () => {
  it('logs one JSON line per record with correlation id, event id, detail-type and outcome', async () => {
    const record = orderRecord();
    await make()(sqsEvent(record), fakeContext());
    expect(logsFor(record.messageId)).toEqual([
      expect.objectContaining({
        level: 'INFO', consumer: 'inventory-reserve', function_request_id: 'req-1', correlation_id: 'req-7f3a',
        event_id: eventIdOf(record), detail_type: 'order.created.v1', outcome: 'processed', duration_ms: expect.any(Number),
      }),
    ]);
  });

  it('gives the handler a logger that carries the record’s fields', async () => {
    const record = orderRecord();
    await make({ handle: async (_, { log }) => log.info('reserving') })(sqsEvent(record), fakeContext());
    expect(out.lines.find((l) => l.message === 'reserving')).toMatchObject({ event_id: eventIdOf(record), correlation_id: 'req-7f3a' });
  });

  it('emits one EMF document per invocation with the conventional names and the consumer dimension', async () => {
    const handler = make({ handle: async (e) => { if (e.detail.order_id === 'fail') throw new Error('x'); } });
    const failing = orderRecord({ ...validDetails()['order.created.v1']!, order_id: 'fail' });
    await handler(sqsEvent(orderRecord(), orderRecord(), failing, sqsRecord('junk')), fakeContext());
    const doc = emf()!;
    expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'courier', Dimensions: [['consumer']] });
    expect(doc).toMatchObject({ consumer: 'inventory-reserve', processed: 2, transient_failures: 1, quarantined: 1 });
    expect(doc.duration).toHaveLength(3);
  });
});

describe('consumer: configuration', () => {
  it('refuses to start without a DLQ', () => {
    delete process.env.DLQ_URL;
    expect(() => make()).toThrow(/DLQ/);
  });
  it('refuses to start without a name', () => {
    delete process.env.CONSUMER_NAME;
    expect(() => make()).toThrow(/name/);
  });
});
