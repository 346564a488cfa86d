import {
  BatchExecuteStatementCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type BatchExecuteStatementCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { PermanentError } from '../../../functions/runtime/consume/errors';
import type { ConsumerOptions } from '../../../functions/runtime/consume/options';
import { sqsEvent } from '../../../functions/testing/builders';
import { consumerTestSetup, eventIdOf, fakeContext, failures, orderRecord, TABLE } from './helpers';

/**
 * Issue 12 item 4: everything a record does after its handler — the commit, onConditionFailed, the
 * completion flush, the retry delay — ends inside the record's deadline or the batch's lease.
 */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const state = consumerTestSetup(ddb, sqs);

const make = (over: Partial<ConsumerOptions<readonly [typeof OrderCreatedV1]>> = {}) =>
  consumer({ events: [OrderCreatedV1] as const, idempotency: { table: TABLE }, handle: async () => {}, ...over });
const reservation: TransactWriteItem = { Put: { TableName: 'stock', Item: { pk: { S: 'ord-1001' } }, ConditionExpression: 'attribute_not_exists(pk)' } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logOf = (messageId: string) => state.out.lines.filter((l) => l.message_id === messageId).at(-1);
/** Statements of one kind answered slowly with a throttle; the others executed by the table. */
const slowlyThrottled = (kind: 'UPDATE' | 'DELETE', ms: number) => async (input: BatchExecuteStatementCommandInput) => {
  if (!input.Statements!.every((s) => s.Statement!.startsWith(kind))) return state.table.batchExecuteStatement(input);
  await sleep(ms);
  throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
};

describe('the record deadline covers the commit', () => {
  it('gives up on a commit that does not answer at the record deadline, and leaves the claim to its lease', async () => {
    ddb.on(TransactWriteItemsCommand).callsFake(() => new Promise(() => {}));
    const record = orderRecord();
    const started = Date.now();
    const res = await make({ perRecordTimeoutMs: 150, handle: async () => ({ writes: [reservation] }) })(sqsEvent(record), fakeContext());
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(failures(res)).toEqual([record.messageId]);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'retry', reason: 'commit_failed' });
    expect(state.table.status(`inventory-reserve#${eventIdOf(record)}`)).toBe('IN_PROGRESS');
  });
});

describe('onConditionFailed runs inside the same deadline, not a second budget', () => {
  it('aborts the hook at the record deadline counted from the handler’s start', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const budget = 300;
    let started = 0;
    let abortedAfter = Infinity;
    const handle = async () => {
      started = Date.now();
      await sleep(200);
      return { writes: [reservation] };
    };
    const onConditionFailed = (_e: unknown, _ev: unknown, { signal }: { signal: AbortSignal }) =>
      new Promise<void>((_, reject) =>
        signal.addEventListener('abort', () => {
          abortedAfter = Date.now() - started;
          reject(signal.reason);
        }),
      );
    const record = orderRecord();
    const res = await make({ perRecordTimeoutMs: budget, handle, onConditionFailed })(sqsEvent(record), fakeContext());
    // a fresh budget for the hook would abort it only at 200 + 300 ms
    expect(abortedAfter).toBeGreaterThanOrEqual(budget - 50);
    expect(abortedAfter).toBeLessThan(budget + 100);
    expect(failures(res)).toEqual([record.messageId]);
    expect(logOf(record.messageId)).toMatchObject({ reason: 'deadline' });
  });
});

describe('the lease covers the completion flush', () => {
  it('stops re-sending a failing completion when the lease ends (records × budget + margin)', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(slowlyThrottled('UPDATE', 80));
    const record = orderRecord();
    const started = Date.now();
    // lease = 1 record × 100 ms + 100 ms margin
    const res = await make({ perRecordTimeoutMs: 100, safetyMarginMs: 100 })(sqsEvent(record), fakeContext());
    const elapsed = Date.now() - started;
    const completions = ddb.commandCalls(BatchExecuteStatementCommand).filter((c) => c.args[0].input.Statements![0]!.Statement!.startsWith('UPDATE'));
    // unbounded, the flush makes all 5 sends (≥ 400 ms)
    expect(completions.length).toBeLessThan(5);
    expect(elapsed).toBeLessThan(200 + 80 + 100);
    expect(res.batchItemFailures).toEqual([]);
    expect(state.out.lines.some((l) => l.message === 'idempotency marker not updated' && l.result === 'error')).toBe(true);
  });
});

describe('the retry delay stops at the lease or invocation end', () => {
  it('sets no visibility once the release flush has used the time left, and says so', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(slowlyThrottled('DELETE', 400));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const endsAt = Date.now() + 1_500;
    const record = orderRecord();
    const res = await make({ perRecordTimeoutMs: 100, safetyMarginMs: 200, handle: async () => { throw new Error('503'); } })(
      sqsEvent(record),
      fakeContext(() => endsAt - Date.now()),
    );
    expect(failures(res)).toEqual([record.messageId]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(state.out.lines.some((l) => l.message?.startsWith('retry delay not set: no time left'))).toBe(true);
  });
});

describe('the claim and the DLQ send are bounded too', () => {
  it('abandons a claim request that does not answer before a record could start, and runs nothing', async () => {
    ddb.on(BatchExecuteStatementCommand).callsFake(() => new Promise(() => {}));
    const handle = vi.fn(async () => {});
    const records = [orderRecord(), orderRecord()];
    const started = Date.now();
    // lease = 2 × 100 ms + 100 ms: a claim answered after 200 ms could not start a record
    const res = await make({ perRecordTimeoutMs: 100, safetyMarginMs: 100, handle })(sqsEvent(...records), fakeContext());
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(handle).not.toHaveBeenCalled();
    expect(failures(res)).toEqual(records.map((r) => r.messageId));
  });

  it('reports a record whose DLQ send does not answer in its time for retry, instead of waiting past the lease', async () => {
    sqs.on(SendMessageCommand).callsFake(() => new Promise(() => {}));
    const record = orderRecord();
    const started = Date.now();
    const res = await make({ perRecordTimeoutMs: 100, safetyMarginMs: 100, handle: async () => { throw new PermanentError('never valid'); } })(
      sqsEvent(record),
      fakeContext(),
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(failures(res)).toEqual([record.messageId]);
    expect(logOf(record.messageId)).toMatchObject({ outcome: 'retry', reason: 'dlq_send_failed' });
  });
});
