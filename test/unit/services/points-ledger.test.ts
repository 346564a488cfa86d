import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { afterConditionFailed } from '../../../functions/points/conflicts';
import { validDetails } from '../../fixtures/details';
import { captureStdout, DLQ_URL, eventBridgeBody, fakeContext, sqsRecord, TABLE } from '../runtime/helpers';
import { FakeTables } from './fake-tables';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
let db: FakeTables;
let out: ReturnType<typeof captureStdout>;
let handler: (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SERVICE_NAME: 'points',
    CONSUMER_NAME: 'points-ledger',
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    POINTS_TABLE: 'points',
    OUTBOX_TABLE: 'outbox',
  });
  ({ handler } = await import('../../../functions/points/handler'));
});
beforeEach(() => {
  ddb.reset();
  sqs.reset();
  db = new FakeTables({ points: 'pk', outbox: 'event_id' });
  db.install(ddb);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  out = captureStdout();
});
afterEach(() => out.restore());

const created = (over: Record<string, unknown> = {}) =>
  sqsRecord(eventBridgeBody('order.created.v1', { ...validDetails()['order.created.v1']!, total_minor: 2598, ...over }));
const cancelled = (over: Record<string, unknown> = {}) =>
  sqsRecord(eventBridgeBody('order.cancelled.v1', { ...validDetails()['order.cancelled.v1']!, ...over }));
const run = (...records: SQSRecord[]) => handler({ Records: records }, fakeContext());
const redeliver = (record: SQSRecord) => ({ ...record, messageId: `${record.messageId}-again` });
const detailOf = (record: SQSRecord) => JSON.parse(record.body).detail;

const account = (user = 'user-42') => db.get('points', `USER#${user}`);
const award = (order = 'ord-1001') => db.get('points', `AWARD#${order}`);
const announced = () => db.all('outbox').map((row) => ({ type: row.detail_type, detail: JSON.parse(row.detail) }));
const transactions = () => ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);
const marker = (record: SQSRecord) => db.idempotency.status(`points-ledger#${detailOf(record).event_id}`);
const dlqSends = () => sqs.commandCalls(SendMessageCommand);

describe('points-ledger: order.created.v1', () => {
  it('awards pointsFor(total) to a new user: award, account and points.awarded.v1 in one transaction', async () => {
    const record = created();
    expect(await run(record)).toEqual({ batchItemFailures: [] });

    expect(award()).toEqual({ pk: 'AWARD#ord-1001', order_id: 'ord-1001', user_id: 'user-42', state: 'AWARDED', points: 25 });
    expect(account()).toEqual({ pk: 'USER#user-42', user_id: 'user-42', balance: 25, version: 1 });
    const [tx] = transactions();
    expect(tx).toHaveLength(4); // award, account, outbox row, idempotency marker
    expect(tx![0]!.Put).toMatchObject({ TableName: 'points', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(tx![1]!.Put).toMatchObject({ TableName: 'points', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(tx![2]!.Put).toMatchObject({ TableName: 'outbox' });
    expect(marker(record)).toBe('COMPLETED');
    const order = detailOf(record);
    expect(announced()).toEqual([
      {
        type: 'points.awarded.v1',
        detail: expect.objectContaining({ order_id: 'ord-1001', user_id: 'user-42', points: 25, balance: 25, correlation_id: order.correlation_id, causation_id: order.event_id }),
      },
    ]);
  });

  it('adds to an existing balance under an optimistic version check', async () => {
    db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 100, version: 7 });
    await run(created({ total_minor: 5_099 }));
    expect(account()).toMatchObject({ balance: 150, version: 8 });
    expect(transactions()[0]![1]!.Update).toMatchObject({
      ConditionExpression: '#version = :read',
      ExpressionAttributeValues: { ':balance': { N: '150' }, ':next': { N: '8' }, ':read': { N: '7' } },
    });
    expect(announced()[0]!.detail).toMatchObject({ points: 50, balance: 150 });
  });

  it('awards once per order: the same event redelivered, the order announced again, and a concurrent duplicate', async () => {
    const first = created();
    await run(first);
    expect(await run(redeliver(first), created())).toEqual({ batchItemFailures: [] });
    expect(transactions()).toHaveLength(1);

    // A concurrent duplicate read "no award" and then lost the race on the award item: acknowledged, nothing applied.
    const racer = created({ order_id: 'ord-2002' });
    db.beforeNextTransaction = () => {
      db.put('points', { pk: 'AWARD#ord-2002', order_id: 'ord-2002', user_id: 'user-42', state: 'AWARDED', points: 25 });
      db.put('points', { ...account()!, balance: 50, version: 2 });
    };
    expect(await run(racer)).toEqual({ batchItemFailures: [] });
    expect(marker(racer)).toBe('COMPLETED');
    expect(dlqSends()).toHaveLength(0);
    expect(account()).toMatchObject({ balance: 50, version: 2 });
    expect(announced()).toHaveLength(1);
  });

  it('retries when another order of the same user changed the balance meanwhile, and awards on the fresh read', async () => {
    db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 10, version: 1 });
    const record = created();
    db.beforeNextTransaction = () => db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 30, version: 2 });
    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(dlqSends()).toHaveLength(0);
    expect(award()).toBeUndefined();

    expect(await run(redeliver(record))).toEqual({ batchItemFailures: [] });
    expect(account()).toMatchObject({ balance: 55, version: 3 });
    expect(announced()[0]!.detail).toMatchObject({ points: 25, balance: 55 });
  });

  it('retries when a new user’s account was created meanwhile', async () => {
    const record = created();
    db.beforeNextTransaction = () => db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 5, version: 1 });
    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    await run(redeliver(record));
    expect(account()).toMatchObject({ balance: 30, version: 2 });
  });
});

describe('points-ledger: order.cancelled.v1', () => {
  it('revokes an award: REVOKED, balance down, version up, points.revoked.v1 in the same transaction; a second cancel changes nothing', async () => {
    db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 100, version: 3 });
    await run(created());
    expect(account()).toMatchObject({ balance: 125, version: 4 });

    expect(await run(cancelled())).toEqual({ batchItemFailures: [] });
    expect(award()!.state).toBe('REVOKED');
    expect(account()).toMatchObject({ balance: 100, version: 5 });
    expect(transactions()[1]![0]!.Update).toMatchObject({ ConditionExpression: '#state = :awarded' });
    expect(transactions()[1]!.map((w) => (w.Put ?? w.Update)!.TableName)).toEqual(['points', 'points', 'outbox', TABLE]);
    expect(announced().map((e) => e.type)).toEqual(['points.awarded.v1', 'points.revoked.v1']);
    expect(announced()[1]!.detail).toMatchObject({ order_id: 'ord-1001', user_id: 'user-42', points: 25, balance: 100 });

    await run(cancelled());
    expect(transactions()).toHaveLength(2);
    expect(account()).toMatchObject({ balance: 100, version: 5 });
    expect(announced()).toHaveLength(2);
  });

  it('revoke before award leaves a REVOKED tombstone (reported: 0 points taken back), and the late order.created awards nothing', async () => {
    expect(await run(cancelled())).toEqual({ batchItemFailures: [] });
    expect(award()).toEqual({ pk: 'AWARD#ord-1001', order_id: 'ord-1001', user_id: 'user-42', state: 'REVOKED', points: 0 });
    expect(account()).toBeUndefined();
    expect(announced()).toEqual([{ type: 'points.revoked.v1', detail: expect.objectContaining({ points: 0, balance: 0 }) }]);

    expect(await run(created())).toEqual({ batchItemFailures: [] });
    expect(transactions()).toHaveLength(1);
    expect(account()).toBeUndefined();
    expect(announced()).toHaveLength(1);
  });

  it('clamps the balance at zero when it is lower than the points to revoke, and says so', async () => {
    await run(created());
    db.put('points', { ...account()!, balance: 10 });
    await run(cancelled());
    expect(account()).toMatchObject({ balance: 0 });
    expect(out.lines.find((l) => l.message?.includes('clamped'))).toMatchObject({ level: 'WARN', order_id: 'ord-1001', shortfall: 15 });
    // what was really taken back: the 10 the balance held
    expect(announced().at(-1)!.detail).toMatchObject({ points: 10, balance: 0 });
  });

  it('retries a cancel whose tombstone lost to an award landing meanwhile, then revokes it', async () => {
    const record = cancelled();
    db.beforeNextTransaction = () => {
      db.put('points', { pk: 'AWARD#ord-1001', order_id: 'ord-1001', user_id: 'user-42', state: 'AWARDED', points: 25 });
      db.put('points', { pk: 'USER#user-42', user_id: 'user-42', balance: 25, version: 1 });
    };
    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(await run(redeliver(record))).toEqual({ batchItemFailures: [] });
    expect(award()!.state).toBe('REVOKED');
    expect(account()).toMatchObject({ balance: 0, version: 2 });
  });

  it('quarantines a cancel naming another user than the award', async () => {
    await run(created());
    await run(cancelled({ user_id: 'user-99' }));
    expect(dlqSends()[0]!.args[0].input.MessageAttributes!['courier.error_class']!.StringValue).toBe('PermanentError');
    expect(award()!.state).toBe('AWARDED');
  });
});

describe('points decisions', () => {
  it('after a failed condition: account → retry; award → acknowledge, unless a cancel met a live award', () => {
    expect(afterConditionFailed('created', { pk: 'USER#u', version: 3 })).toBe('retry');
    expect(afterConditionFailed('created', undefined)).toBe('retry');
    expect(afterConditionFailed('created', { pk: 'AWARD#o', state: 'AWARDED' })).toBe('acknowledge');
    expect(afterConditionFailed('created', { pk: 'AWARD#o', state: 'REVOKED' })).toBe('acknowledge');
    expect(afterConditionFailed('cancelled', { pk: 'AWARD#o', state: 'AWARDED' })).toBe('retry');
    expect(afterConditionFailed('cancelled', { pk: 'AWARD#o', state: 'REVOKED' })).toBe('acknowledge');
  });
});
