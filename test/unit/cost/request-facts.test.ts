import { describe, expect, it } from 'vitest';
import { dynamoFacts, keyString, partiqlFact, putEventsFacts, sqsFacts, updatedAttributes } from '../../../scripts/cost/request-facts';
import { itemSize } from '../../../scripts/cost/item-size';

describe('request facts', () => {
  it('update expressions: the top-level attributes set and removed, names resolved', () => {
    expect(updatedAttributes('SET #status = :published, published_at = :now, expires_at = :expires REMOVE #pending', { '#status': 'status', '#pending': 'pending' })).toEqual({
      set: ['status', 'published_at', 'expires_at'],
      rm: ['pending'],
    });
    expect(updatedAttributes('SET #version = #version + :one, lines[0].qty = :q ADD tags :t', { '#version': 'version' })).toEqual({ set: ['version', 'lines', 'tags'], rm: [] });
    expect(updatedAttributes('SET #a = if_not_exists(#a, :zero), b = list_append(b, :x)', { '#a': 'a' })).toEqual({ set: ['a', 'b'], rm: [] });
  });

  it('PartiQL: an INSERT is a put of its VALUE, UPDATE and DELETE name their item by the WHERE key parameter', () => {
    const insert = partiqlFact(`INSERT INTO "idem ""t""" VALUE {'id': ?, 'status': ?, 'lease_expires_at': ?}`, [{ S: 'c#e1' }, { S: 'IN_PROGRESS' }, { N: '1764322117123' }]);
    expect(insert).toEqual({ t: 'idem "t"', a: 'put', s: { id: 2 + 4, status: 6 + 11, lease_expires_at: 16 + 8 } });
    const update = partiqlFact(`UPDATE "idem" SET "status" = ? SET "expires_at" = ? WHERE "id" = ? AND "lease_token" = ?`, [{ S: 'COMPLETED' }, { N: '1' }, { S: 'c#e1' }, { S: 'tok' }]);
    expect(update).toEqual({ t: 'idem', a: 'update', k: 'id=c#e1', set: ['status', 'expires_at'], rm: [] });
    expect(partiqlFact(`DELETE FROM "idem" WHERE "id" = ? AND "lease_token" = ?`, [{ S: 'c#e1' }, { S: 'tok' }])).toEqual({ t: 'idem', a: 'delete', k: 'id=c#e1' });
  });

  it('BatchExecuteStatement: one fact per statement, with its own failure and the existing item DynamoDB returned', () => {
    const statements = [
      { Statement: `INSERT INTO "idem" VALUE {'id': ?}`, Parameters: [{ S: 'a' }] },
      { Statement: `INSERT INTO "idem" VALUE {'id': ?}`, Parameters: [{ S: 'b' }] },
    ];
    const old = { id: { S: 'b' }, status: { S: 'COMPLETED' } };
    const { items } = dynamoFacts('BatchExecuteStatement', { Statements: statements }, { Responses: [{}, { Error: { Code: 'DuplicateItem', Item: old } }] });
    expect(items).toEqual([
      { t: 'idem', a: 'put', s: { id: 3 } },
      { t: 'idem', a: 'put', s: { id: 3 }, fail: 'DuplicateItem', ob: itemSize(old) },
    ]);
  });

  it('TransactWriteItems: every item in the transaction, and on cancellation each item\'s reason', () => {
    const input = {
      TransactItems: [
        { Put: { TableName: 'orders', Item: { pk: { S: 'ORDER#1' } } } },
        { Update: { TableName: 'idem', Key: { id: { S: 'c#e1' } }, UpdateExpression: 'SET #s = :c', ExpressionAttributeNames: { '#s': 'status' } } },
      ],
    };
    expect(dynamoFacts('TransactWriteItems', input, {}).items).toEqual([
      { t: 'orders', a: 'put', tx: 1, s: { pk: 9 } },
      { t: 'idem', a: 'update', tx: 1, k: 'id=c#e1', set: ['status'], rm: [] },
    ]);
    const cancelled = Object.assign(new Error('cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { id: { S: 'c#e1' } } }] });
    expect(dynamoFacts('TransactWriteItems', input, undefined, cancelled).items).toEqual([
      { t: 'orders', a: 'put', tx: 1, s: { pk: 9 }, fail: 'TransactionCanceled' },
      { t: 'idem', a: 'update', tx: 1, k: 'id=c#e1', set: ['status'], rm: [], fail: 'ConditionalCheckFailed', ob: 6 },
    ]);
  });

  it('reads: GetItem and BatchGetItem count every key read (a missing item as 0 bytes), unprocessed keys not at all', () => {
    const item = { pk: { S: 'SKU#TEA' }, available: { N: '10' } };
    expect(dynamoFacts('GetItem', { TableName: 's', Key: {}, ConsistentRead: true }, { Item: item }).items).toEqual([{ t: 's', a: 'read', b: itemSize(item), c: 1 }]);
    expect(dynamoFacts('GetItem', { TableName: 's', Key: {} }, {}).items).toEqual([{ t: 's', a: 'read', b: 0 }]);
    const batch = dynamoFacts(
      'BatchGetItem',
      { RequestItems: { s: { Keys: [{}, {}, {}, {}], ConsistentRead: true } } },
      { Responses: { s: [item] }, UnprocessedKeys: { s: { Keys: [{}] } } },
    );
    expect(batch.items).toEqual([
      { t: 's', a: 'read', b: itemSize(item), c: 1 },
      { t: 's', a: 'read', b: 0, c: 1 },
      { t: 's', a: 'read', b: 0, c: 1 },
    ]);
  });

  it('a failed conditional PutItem is still a write, with the existing item\'s size', () => {
    const error = Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException', Item: { pk: { S: 'x' } } });
    expect(dynamoFacts('PutItem', { TableName: 't', Item: { pk: { S: 'x' } } }, undefined, error).items).toEqual([{ t: 't', a: 'put', s: { pk: 3 }, fail: 'ConditionalCheckFailed', ob: 3 }]);
  });

  it('the engine\'s ConsumedCapacity is kept beside the facts, per table with its indexes', () => {
    const out = dynamoFacts('PutItem', { TableName: 't', Item: {} }, { ConsumedCapacity: { TableName: 't', CapacityUnits: 2, GlobalSecondaryIndexes: { g: { CapacityUnits: 1 } } } });
    expect(out.cc).toEqual([{ t: 't', u: 2, gsi: { g: 1 } }]);
  });

  it('keys: name=value pairs in name order', () => {
    expect(keyString({ sk: { N: '2' }, pk: { S: 'a' } })).toBe('pk=a&sk=2');
  });

  it('SQS: one billed request per started 64 KB of payload; EventBridge: billed events are the entries that went out, per 64 KB', () => {
    expect(sqsFacts('SendMessage', { QueueUrl: 'http://h/000/dlq', MessageBody: 'x'.repeat(70_000) })).toEqual({ q: 'dlq', chunks: 2, msgs: 1 });
    expect(sqsFacts('ChangeMessageVisibilityBatch', { QueueUrl: 'http://h/000/q', Entries: [{}, {}] })).toEqual({ q: 'q', chunks: 1, msgs: 2 });
    const entries = [{ Source: 's', DetailType: 'd', Detail: '{}' }, { Source: 's', DetailType: 'd', Detail: 'x'.repeat(70_000) }, { Source: 's', DetailType: 'd', Detail: '{}' }];
    expect(putEventsFacts({ Entries: entries }, { Entries: [{ EventId: '1' }, { EventId: '2' }, { ErrorCode: 'ThrottlingException' }] })).toEqual({ entries: 3, failed: 1, events: 3 });
  });
});
