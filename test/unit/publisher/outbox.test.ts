import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractViolation, EVENT_ID_PATTERN } from '../../../functions/contracts/index';
import { OrderCreatedV1, RiskAssessedV1 } from '../../../functions/events/index';
import { outboxWrites, TransactionCancelled, transactWithOutbox } from '../../../functions/runtime/outbox/writes';
import { outgoing } from '../../../functions/runtime/publish/outgoing';
import { ddbClient, fakeClock, orderPayload, T0 } from './helpers';

const ddb = mockClient(DynamoDBClient);
afterEach(() => ddb.reset());

const putOrder: TransactWriteItem = {
  Put: { TableName: 'orders', Item: marshall({ pk: 'ord-1', status: 'NEW' }), ConditionExpression: 'attribute_not_exists(pk)' },
};
const bumpUser: TransactWriteItem = {
  Update: { TableName: 'users', Key: marshall({ pk: 'user-42' }), UpdateExpression: 'ADD orders :one', ExpressionAttributeValues: marshall({ ':one': 1 }) },
};
const write = (items: TransactWriteItem[], events = [outgoing(OrderCreatedV1, orderPayload(), { correlationId: 'req-1' })]) =>
  transactWithOutbox({ outboxTable: 'outbox', items, events, client: ddbClient(), clock: fakeClock() });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code, Message: Code === 'None' ? undefined : `${Code} message` })),
  });

describe('transactWithOutbox', () => {
  it('writes the business items and a PENDING outbox row in one transaction', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const [stored] = await write([putOrder]);
    const [call] = ddb.commandCalls(TransactWriteItemsCommand);
    const items = call!.args[0].input.TransactItems!;
    expect(items).toHaveLength(2);
    expect(items[0]).toBe(putOrder);
    const put = items[1]!.Put!;
    expect(put).toMatchObject({ TableName: 'outbox', ConditionExpression: 'attribute_not_exists(event_id)' });
    const row = unmarshall(put.Item!);
    expect(row).toEqual({
      event_id: stored!.eventId,
      source: 'courier.orders',
      detail_type: 'order.created.v1',
      detail: stored!.entry.Detail,
      status: 'PENDING',
      pending: 'PENDING',
      created_at: T0,
    });
    expect(stored!.eventId).toMatch(EVENT_ID_PATTERN);
    expect(JSON.parse(row.detail)).toMatchObject({ event_id: stored!.eventId, order_id: 'ord-1', correlation_id: 'req-1' });
  });

  it('says which business condition failed', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    const error = await write([putOrder, bumpUser]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCancelled);
    const e = error as TransactionCancelled;
    expect(e.conditionFailed(0)).toBe(true);
    expect(e.conditionFailed(1)).toBe(false);
    expect(e.reasons).toEqual([{ index: 0, operation: 'Put', table: 'orders', key: undefined, eventId: undefined, code: 'ConditionalCheckFailed', message: 'ConditionalCheckFailed message' }]);
    expect(e.message).toBe('transaction cancelled: item 0 (Put on orders, item): ConditionalCheckFailed (ConditionalCheckFailed message)');
    expect(e.cause).toBeInstanceOf(TransactionCanceledException);
  });

  it('names the key of an update and the event_id of an outbox row', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('None', 'TransactionConflict', 'ConditionalCheckFailed'));
    const e = (await write([putOrder, bumpUser]).catch((x: unknown) => x)) as TransactionCancelled;
    const outboxId = unmarshall(ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems![2]!.Put!.Item!).event_id;
    expect(e.reasons.map((r) => [r.index, r.operation, r.table, r.code])).toEqual([
      [1, 'Update', 'users', 'TransactionConflict'],
      [2, 'Put', 'outbox', 'ConditionalCheckFailed'],
    ]);
    expect(e.message).toContain('item 1 (Update on users, key {"pk":"user-42"}): TransactionConflict');
    expect(e.message).toContain(`item 2 (Put on outbox, outbox row ${outboxId}): ConditionalCheckFailed`);
    expect(e.conditionFailed(0)).toBe(false);
  });

  it('writes nothing for an event that breaks its contract', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const bad = outgoing(OrderCreatedV1, { ...orderPayload(), currency: 'euro' });
    await expect(write([putOrder], [bad])).rejects.toBeInstanceOf(ContractViolation);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('refuses more than 100 actions before calling DynamoDB', async () => {
    const events = Array.from({ length: 100 }, (_, i) => outgoing(OrderCreatedV1, orderPayload(`ord-${i}`)));
    await expect(write([putOrder], events)).rejects.toThrow('transaction has 101 items (1 business + 100 outbox); DynamoDB allows 100');
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('passes other errors through unchanged', async () => {
    const boom = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    ddb.on(TransactWriteItemsCommand).rejects(boom);
    await expect(write([putOrder])).rejects.toBe(boom);
  });
});

describe('outboxWrites', () => {
  it('renders one conditional outbox Put per event, validated, for a caller-owned transaction', () => {
    const { writes, stored } = outboxWrites('outbox', [outgoing(RiskAssessedV1, { order_id: 'o-1', score: 5, decision: 'approve' }, { correlationId: 'c-1' })], 1_700_000_000_000);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.Put).toMatchObject({ TableName: 'outbox', ConditionExpression: 'attribute_not_exists(event_id)' });
    expect(writes[0]!.Put!.Item!.event_id!.S).toBe(stored[0]!.eventId);
    expect(writes[0]!.Put!.Item!.pending!.S).toBe('PENDING');
    expect(JSON.parse(stored[0]!.entry.Detail!)).toMatchObject({ correlation_id: 'c-1', order_id: 'o-1' });
    expect(() => outboxWrites('outbox', [outgoing(RiskAssessedV1, { order_id: 'o-1', score: 500, decision: 'approve' })])).toThrow(/score/);
  });
});
