import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import type { ConsumerOptions } from '../../../functions/runtime/consume/options';
import { sqsEvent } from '../../../functions/testing/builders';
import { validDetails } from '../../fixtures/details';
import { consumerTestSetup, eventIdOf, fakeContext, failures, orderRecord, TABLE } from './helpers';

/**
 * Optimistic exactly-once (issue 15 item 1): no claim; the handler's writes commit with a marker put
 * conditional on no live marker. Against the in-memory table, which evaluates the conditions sent.
 */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const state = consumerTestSetup(ddb, sqs);

/** Transactions the table accepted (a cancelled one throws before it is counted). */
let applied: TransactWriteItemsCommandInput[];
beforeEach(() => {
  applied = [];
  ddb.on(TransactWriteItemsCommand).callsFake((input: TransactWriteItemsCommandInput) => {
    const out = state.table.transactWriteItems(input);
    applied.push(input);
    return out;
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

type Options = ConsumerOptions<readonly [typeof OrderCreatedV1]>;
const award = (orderId: string): TransactWriteItem => ({ Put: { TableName: 'points', Item: { pk: { S: orderId } } } });
const writes = vi.fn(async (e: { detail: { order_id: string } }) => ({ writes: [award(e.detail.order_id)] }));
beforeEach(() => {
  writes.mockClear();
});
const make = (over: Partial<Options> = {}) =>
  consumer({ events: [OrderCreatedV1] as const, idempotency: { table: TABLE, mode: 'optimistic' }, handle: writes, ...over });
const idOf = (r: SQSRecord) => `inventory-reserve#${eventIdOf(r)}`;
const logOf = (messageId: string) => state.out.lines.filter((l) => l.message_id === messageId).at(-1);
const redelivery = (r: SQSRecord, messageId = `${r.messageId}-again`): SQSRecord => ({ ...r, messageId, attributes: { ...r.attributes, ApproximateReceiveCount: '2' } });
const marker = (id: string, status: string, expiresAt: number, lease?: { token: string; until: number }) => ({
  id: { S: id },
  status: { S: status },
  expires_at: { N: String(expiresAt) },
  ...(lease && { lease_token: { S: lease.token }, lease_expires_at: { N: String(lease.until) } }),
});
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const cancelledBy = (code: string) => new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: code }, { Code: 'None' }] });

describe('optimistic mode: new records', () => {
  it('commits each record’s writes with a conditional marker put, in one request per record and none per batch', async () => {
    const records = [orderRecord(), orderRecord(), orderRecord()];
    const res = await make()(sqsEvent(...records), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(ddb.calls()).toHaveLength(3);
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(0);
    const put = applied[0]!.TransactItems!.at(-1)!.Put!;
    expect(put).toMatchObject({ TableName: TABLE, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(put.ConditionExpression).toBe('attribute_not_exists(id) OR expires_at < :now OR (#status = :in_progress AND lease_expires_at < :now_ms)');
    for (const r of records) expect(state.table.status(idOf(r))).toBe('COMPLETED');
    expect(Number(state.table.items.get(idOf(records[0]!))!.expires_at!.N)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 31 * 86400 - 1);
  });

  it('writes the marker alone, as one conditional PutItem, when the handler returns no writes', async () => {
    const record = orderRecord();
    const res = await make({ handle: async () => {} })(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(state.table.status(idOf(record))).toBe('COMPLETED');
  });
});

describe('optimistic mode: duplicates', () => {
  it('in the same batch: the second copy follows the first and is acknowledged as a duplicate, without running', async () => {
    const first = orderRecord();
    const copy = { ...first, messageId: 'copy' };
    const res = await make()(sqsEvent(first, copy, orderRecord()), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(writes).toHaveBeenCalledTimes(2);
    expect(applied).toHaveLength(2);
    expect(logOf('copy')).toMatchObject({ outcome: 'duplicate', reason: 'copy_in_batch' });
  });

  it('in the same batch, behind a first copy that failed: the copy is retried with it, not run', async () => {
    const first = orderRecord();
    const copy = { ...first, messageId: 'copy' };
    const handle = vi.fn(async () => { throw new Error('503'); });
    const res = await make({ handle })(sqsEvent(first, copy), fakeContext());
    expect(handle).toHaveBeenCalledOnce();
    expect(failures(res)).toEqual([first.messageId, 'copy']);
  });

  it('in a concurrent invocation: its commit is cancelled on the marker and it is acknowledged as a duplicate, not quarantined', async () => {
    const record = orderRecord();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const handle = async (e: { detail: { order_id: string } }) => {
      if (++calls === 1) await gate; // the first delivery is slow: the second commits meanwhile
      return { writes: [award(e.detail.order_id)] };
    };
    const handler = make({ handle });
    const slow = handler(sqsEvent(record), fakeContext());
    await vi.waitFor(() => expect(calls).toBe(1));
    const fast = await handler(sqsEvent({ ...record, messageId: 'other' }), fakeContext());
    release();
    const late = await slow;
    expect(fast.batchItemFailures).toEqual([]);
    expect(late.batchItemFailures).toEqual([]);
    expect(calls).toBe(2);
    expect(applied).toHaveLength(1);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'duplicate' });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('a redelivery whose marker is completed is found by one batched read and not run', async () => {
    const record = orderRecord();
    state.table.items.set(idOf(record), marker(idOf(record), 'COMPLETED', inAnHour()));
    const res = await make()(sqsEvent(redelivery(record), orderRecord()), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(writes).toHaveBeenCalledOnce(); // only the new record
    const reads = ddb.commandCalls(BatchGetItemCommand);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.args[0].input.RequestItems![TABLE]!.Keys).toEqual([{ id: { S: idOf(record) } }]);
    expect(reads[0]!.args[0].input.RequestItems![TABLE]!.ConsistentRead).toBeUndefined();
    expect(logOf(`${record.messageId}-again`)).toMatchObject({ outcome: 'duplicate' });
  });

  it('an archive replay is read first too', async () => {
    const record = orderRecord();
    state.table.items.set(idOf(record), marker(idOf(record), 'COMPLETED', inAnHour()));
    const replayed = { ...record, body: JSON.stringify({ ...JSON.parse(record.body), 'replay-name': 'courier-20261130' }) };
    await make()(sqsEvent(replayed), fakeContext());
    expect(writes).not.toHaveBeenCalled();
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(1);
  });

  it('a first delivery of a completed event runs, but its commit is refused on the marker: a duplicate, nothing applied', async () => {
    const record = orderRecord();
    state.table.items.set(idOf(record), marker(idOf(record), 'COMPLETED', inAnHour()));
    const res = await make()(sqsEvent(record), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(writes).toHaveBeenCalledOnce();
    expect(applied).toHaveLength(0);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'duplicate' });
  });
});

describe('optimistic mode: expiry, claims, conflicts', () => {
  it('runs an event again once its marker has expired (past the horizon), first delivery or redelivery', async () => {
    for (const deliver of [(r: SQSRecord) => r, (r: SQSRecord) => redelivery(r)]) {
      const record = orderRecord();
      state.table.items.set(idOf(record), marker(idOf(record), 'COMPLETED', Math.floor(Date.now() / 1000) - 10));
      const res = await make()(sqsEvent(deliver(record)), fakeContext());
      expect(res.batchItemFailures).toEqual([]);
      expect(Number(state.table.items.get(idOf(record))!.expires_at!.N)).toBeGreaterThan(Date.now() / 1000);
    }
    expect(writes).toHaveBeenCalledTimes(2);
    expect(applied).toHaveLength(2);
  });

  it('leaves a record that a claiming delivery holds (live lease) to it: retried, not a duplicate', async () => {
    const record = orderRecord();
    state.table.items.set(idOf(record), marker(idOf(record), 'IN_PROGRESS', inAnHour(), { token: 'claimer', until: Date.now() + 60_000 }));
    const res = await make()(sqsEvent(record), fakeContext());
    expect(failures(res)).toEqual([record.messageId]);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'retry', reason: 'in_progress' });
    expect(state.table.items.get(idOf(record))!.lease_token!.S).toBe('claimer');
  });

  it('retries a transaction conflict after the backoff (nothing was applied), and the retry commits', async () => {
    ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelledBy('TransactionConflict')).callsFake((input) => state.table.transactWriteItems(input));
    const record = orderRecord();
    const handler = make();
    const first = await handler(sqsEvent(record), fakeContext());
    expect(failures(first)).toEqual([record.messageId]);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'retry', reason: 'transaction_conflict' });
    expect(state.table.items.size).toBe(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(1);
    const again = await handler(sqsEvent(redelivery(record)), fakeContext());
    expect(again.batchItemFailures).toEqual([]);
    expect(state.table.status(idOf(record))).toBe('COMPLETED');
  });

  it('quarantines a failed business condition without a marker (a redrive runs it); onConditionFailed returning writes the marker alone', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelledBy('ConditionalCheckFailed'));
    const record = orderRecord();
    await make()(sqsEvent(record), fakeContext());
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes!['courier.error_class']!.StringValue).toBe('BusinessConditionFailed');
    expect(state.table.items.size).toBe(0);
    const other = orderRecord();
    const res = await make({ onConditionFailed: async () => {} })(sqsEvent(other), fakeContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    expect(state.table.status(idOf(other))).toBe('COMPLETED');
  });

  it('refuses an unknown mode at construction', () => {
    expect(() => make({ idempotency: { table: TABLE, mode: 'eager' as never } })).toThrow(/idempotency.mode must be 'claim' or 'optimistic', got "eager"/);
  });

  it('with an ordering key, copies and same-key records still run in arrival order', async () => {
    const order = (id: string) => orderRecord({ ...validDetails()['order.created.v1']!, order_id: id });
    const [a, b] = [order('o-1'), order('o-1')];
    const seen: string[] = [];
    const handle = async (e: { detail: { event_id: string; order_id: string } }) => {
      seen.push(e.detail.event_id);
      return { writes: [award(e.detail.order_id)] };
    };
    await make({ handle, orderingKey: (e) => e.detail.order_id })(sqsEvent(a!, { ...a!, messageId: 'copy' }, b!), fakeContext());
    expect(seen).toEqual([eventIdOf(a!), eventIdOf(b!)]);
  });
});
