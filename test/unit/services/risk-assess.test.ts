import { BatchExecuteStatementCommand, DynamoDBClient, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { scoreOrder } from '../../../functions/risk/score';
import { validDetails } from '../../fixtures/details';
import { DLQ_URL, eventBridgeBody, fakeContext, InMemoryIdempotencyTable, sqsRecord, TABLE } from '../runtime/helpers';

const ddb = mockClient(DynamoDBClient);
const eb = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
let idempotency: InMemoryIdempotencyTable;
let failedMessages: Record<string, any>[];
let handler: (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SERVICE_NAME: 'risk',
    CONSUMER_NAME: 'risk-assess',
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    EVENT_BUS_NAME: 'courier-bus',
    FAILED_MESSAGE_TABLE: 'failed-messages',
  });
  ({ handler } = await import('../../../functions/risk/handler'));
});
beforeEach(() => {
  ddb.reset();
  eb.reset();
  sqs.reset();
  idempotency = new InMemoryIdempotencyTable();
  failedMessages = [];
  ddb.on(BatchExecuteStatementCommand).callsFake((input) => idempotency.batchExecuteStatement(input));
  ddb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    if (input.TableName === TABLE) return idempotency.putItem(input);
    failedMessages.push(unmarshall(input.Item!));
    return {};
  });
  eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-1' }] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
});
afterEach(() => vi.restoreAllMocks());

const order = (over: Record<string, unknown> = {}) => sqsRecord(eventBridgeBody('order.created.v1', { ...validDetails()['order.created.v1']!, ...over }));
const run = (...records: SQSRecord[]) => handler({ Records: records }, fakeContext());
const detailOf = (record: SQSRecord) => JSON.parse(record.body).detail;
const sentEntries = () => eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
const marker = (record: SQSRecord) => idempotency.status(`risk-assess#${detailOf(record).event_id}`);

describe('risk-assess', () => {
  it('publishes risk.assessed.v1 with the deterministic score, the order’s correlation id and the order event as cause', async () => {
    const record = order({ total_minor: 30_000, lines: [{ sku: 'SKU-TEA', qty: 11 }, { sku: 'SKU-RED-MUG', qty: 11 }] });
    expect(await run(record)).toEqual({ batchItemFailures: [] });

    const [entry] = sentEntries();
    expect(entry).toMatchObject({ EventBusName: 'courier-bus', Source: 'courier.risk', DetailType: 'risk.assessed.v1' });
    const detail = JSON.parse(entry!.Detail!);
    const incoming = detailOf(record);
    expect(scoreOrder(incoming)).toEqual({ score: 60, decision: 'review' });
    expect(detail).toMatchObject({ order_id: 'ord-1001', score: 60, decision: 'review', version: 1, correlation_id: incoming.correlation_id, causation_id: incoming.event_id });
    expect(detail.event_id).not.toBe(incoming.event_id);
    expect(marker(record)).toBe('COMPLETED');
    expect(failedMessages).toEqual([]);
  });

  it('scores a redelivered order once: the duplicate is acknowledged without publishing', async () => {
    const record = order();
    await run(record);
    expect(await run({ ...record, messageId: 'again' })).toEqual({ batchItemFailures: [] });
    expect(sentEntries()).toHaveLength(1);
  });

  // Found by the chaos run (issue 8): a crash after publishing, or a completion that was never written,
  // let a redelivery assess the order again, and each assessment went out under a new event_id.
  it('announces the same event_id when it assesses the same order event again (its marker was never completed)', async () => {
    const record = order();
    await run(record);
    idempotency.items.delete(`risk-assess#${detailOf(record).event_id}`);
    await run({ ...record, messageId: 'after-crash' });
    const [first, second] = sentEntries().map((e) => JSON.parse(e.Detail!));
    expect(second).toEqual({ ...first, occurred_at: second.occurred_at });
    expect(first.event_id).not.toBe(detailOf(record).event_id);
  });

  it('acknowledges a publish the bus refused once it is kept in the failed-message table', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] });
    const record = order();
    expect(await run(record)).toEqual({ batchItemFailures: [] });
    expect(failedMessages).toHaveLength(1);
    expect(JSON.parse(failedMessages[0]!.entry)).toMatchObject({ Source: 'courier.risk', DetailType: 'risk.assessed.v1' });
    expect(marker(record)).toBe('COMPLETED');
  });

  it('retries the record when the event is lost (neither published nor stored), and publishes on redelivery', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'eb-2' }] });
    ddb.on(PutItemCommand, { TableName: 'failed-messages' }).rejects(new Error('failed-message table unavailable'));
    const record = order();

    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(marker(record)).toBeUndefined();

    expect(await run({ ...record, messageId: 'again' })).toEqual({ batchItemFailures: [] });
    expect(sentEntries()).toHaveLength(2);
    expect(marker(record)).toBe('COMPLETED');
  });
});
