import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, SQSClient, type ChangeMessageVisibilityBatchCommandInput } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { sqsEvent } from '../../../functions/testing/builders';
import { consumerTestSetup, eventIdOf, fakeContext, failures, orderRecord, TABLE } from './helpers';

/** The finish step: claims released before the retry delay is set (issue 12 item 10), delays within SQS's limits. */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const state = consumerTestSetup(ddb, sqs);
afterEach(() => vi.restoreAllMocks());

const failing = () => consumer({ events: [OrderCreatedV1] as const, idempotency: { table: TABLE }, handle: async () => { throw new Error('503'); } });
const idOf = (r: SQSRecord) => `inventory-reserve#${eventIdOf(r)}`;
/** Answers like SQS: more than 10 entries are refused as a whole. */
const changeVisibility = (onCall: (input: ChangeMessageVisibilityBatchCommandInput) => void = () => {}) =>
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: ChangeMessageVisibilityBatchCommandInput) => {
    if (input.Entries!.length > 10) throw Object.assign(new Error('Maximum number of entries per request are 10.'), { name: 'TooManyEntriesInBatchRequest' });
    onCall(input);
    return { Successful: input.Entries!.map((e) => ({ Id: e.Id })), Failed: [] };
  });
const entries = () => sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input.Entries!);

describe('finish: release, then delay', () => {
  it('releases the claim before it shortens the visibility, so the early retry never finds its own claim', async () => {
    const record = orderRecord();
    const claimHeldWhenDelayed: boolean[] = [];
    changeVisibility(() => claimHeldWhenDelayed.push(state.table.items.has(idOf(record))));
    const res = await failing()(sqsEvent(record), fakeContext());
    expect(failures(res)).toEqual([record.messageId]);
    expect(claimHeldWhenDelayed).toEqual([false]);
  });

  it('sets the delay of 12 retried records in calls of at most 10 entries (SQS’s limit)', async () => {
    changeVisibility();
    const records = Array.from({ length: 12 }, () => orderRecord());
    const res = await failing()(sqsEvent(...records), fakeContext());
    expect(failures(res)).toHaveLength(12);
    expect(entries().map((e) => e.length)).toEqual([10, 2]);
    expect(entries().flat().map((e) => e.ReceiptHandle).sort()).toEqual(records.map((r) => r.receiptHandle).sort());
    expect(state.out.lines.some((l) => l.message?.startsWith('retry delay not set'))).toBe(false);
  });

  it('caps the default backoff at 900 s', async () => {
    changeVisibility();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const record = orderRecord();
    record.attributes.ApproximateReceiveCount = '20';
    await failing()(sqsEvent(record), fakeContext());
    expect(entries()[0]![0]!.VisibilityTimeout).toBe(900);
  });
});
