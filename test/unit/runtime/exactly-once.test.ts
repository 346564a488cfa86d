import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { BusinessConditionFailed, PermanentError } from '../../../functions/runtime/consume/errors';
import { commitWithMarker } from '../../../functions/runtime/consume/exactly-once';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({});
const write: TransactWriteItem = { Put: { TableName: 'points', Item: { pk: { S: 'user-42' } }, ConditionExpression: 'attribute_not_exists(pk)' } };
const marker: TransactWriteItem = { Update: { TableName: 'idem', Key: { id: { S: 'c#1' } }, UpdateExpression: 'SET x = :x', ConditionExpression: 'lease_token = :t' } };
const cancelled = (codes: string[], item?: Record<string, any>) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code, i) => ({ Code, ...(i === 0 && item && { Item: item }) })),
  });

beforeEach(() => ddb.reset());

describe('commitWithMarker', () => {
  it('sends the writes and the marker in one transaction, marker last', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    await expect(commitWithMarker(client, [write], marker)).resolves.toEqual({ status: 'committed' });
    expect(ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems).toEqual([write, marker]);
  });

  it('reads a failed marker condition as a lost lease, whatever else failed', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled(['ConditionalCheckFailed', 'ConditionalCheckFailed']));
    await expect(commitWithMarker(client, [write], marker)).resolves.toEqual({ status: 'lease_lost' });
  });

  it('reads a failed business condition as BusinessConditionFailed with its index and old item', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled(['ConditionalCheckFailed', 'None'], { pk: { S: 'user-42' }, balance: { N: '7' } }));
    const result = await commitWithMarker(client, [write], marker);
    expect(result.status).toBe('condition_failed');
    if (result.status !== 'condition_failed') return;
    expect(result.error).toBeInstanceOf(BusinessConditionFailed);
    expect(result.error.index).toBe(0);
    expect(result.error.item).toEqual({ pk: 'user-42', balance: 7 });
  });

  it('throws conflicts and throttling (transient)', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(cancelled(['TransactionConflict', 'None']));
    await expect(commitWithMarker(client, [write], marker)).rejects.toBeInstanceOf(TransactionCanceledException);
  });

  it('refuses more writes than fit beside the marker, as a permanent error', async () => {
    await expect(commitWithMarker(client, Array(100).fill(write), marker)).rejects.toBeInstanceOf(PermanentError);
    expect(ddb.calls()).toHaveLength(0);
  });
});
