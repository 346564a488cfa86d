import { BatchExecuteStatementCommand, DynamoDBClient, PutItemCommand, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../functions/runtime/consume/idempotency';
import { InMemoryIdempotencyTable, TABLE } from './helpers';

const ddb = mockClient(DynamoDBClient);
const NOW = 1_800_000_000_000;
let table: InMemoryIdempotencyTable;
let store: IdempotencyStore;

beforeEach(() => {
  ddb.reset();
  table = new InMemoryIdempotencyTable();
  table.install(ddb);
  store = new IdempotencyStore(TABLE, 3600, new DynamoDBClient({}), () => NOW, async () => {});
});

const item = (status: string, leaseExpiresAt: number, expiresAt: number) => ({
  id: { S: 'c#1' }, status: { S: status }, lease_token: { S: 'other' }, lease_expires_at: { N: String(leaseExpiresAt) }, expires_at: { N: String(expiresAt) },
});

describe('IdempotencyStore.claim', () => {
  it('claims new ids with one request per 25, writing the lease and the TTL', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `c#${i}`);
    const claims = await store.claim(ids, NOW + 5_000);
    expect([...claims.values()].every((c) => c.status === 'claimed')).toBe(true);
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(2);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(table.items.get('c#0')).toMatchObject({ status: { S: 'IN_PROGRESS' }, lease_expires_at: { N: String(NOW + 5_000) }, expires_at: { N: String(NOW / 1000 + 3600) } });
    const st = ddb.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input.Statements![0]!;
    expect(st.Statement).toBe(`INSERT INTO "${TABLE}" VALUE {'id': ?, 'status': ?, 'lease_token': ?, 'lease_expires_at': ?, 'expires_at': ?}`);
    expect(st.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
  });

  it('tells a completed duplicate from a live in-progress one from the returned item, without another request', async () => {
    table.items.set('c#done', { ...item('COMPLETED', NOW - 1, NOW / 1000 + 60), id: { S: 'c#done' } });
    table.items.set('c#busy', { ...item('IN_PROGRESS', NOW + 1_000, NOW / 1000 + 60), id: { S: 'c#busy' } });
    const claims = await store.claim(['c#done', 'c#busy'], NOW + 5_000);
    expect(claims.get('c#done')).toEqual({ status: 'completed' });
    expect(claims.get('c#busy')).toEqual({ status: 'in_progress' });
    expect(ddb.calls()).toHaveLength(1);
  });

  it('takes over an expired completed item and an in-progress item whose lease ended', async () => {
    table.items.set('c#old', { ...item('COMPLETED', NOW - 1, NOW / 1000 - 1), id: { S: 'c#old' } });
    table.items.set('c#dead', { ...item('IN_PROGRESS', NOW - 1, NOW / 1000 + 60), id: { S: 'c#dead' } });
    const claims = await store.claim(['c#old', 'c#dead'], NOW + 5_000);
    expect(claims.get('c#old')?.status).toBe('claimed');
    expect(claims.get('c#dead')?.status).toBe('claimed');
    const put = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(id) OR expires_at < :now OR (#status = :in_progress AND lease_expires_at < :now_ms)');
    expect(put.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(table.items.get('c#dead')?.lease_token?.S).not.toBe('other');
  });

  // The takeover rule lives in the ConditionExpression the store sends; the table evaluates it. Without
  // the item on DuplicateItem, every existing marker goes through that condition.
  it.each([
    ['a completed marker past its expiry', item('COMPLETED', NOW - 1, NOW / 1000 - 1), 'claimed'],
    ['an in-progress marker whose lease ended', item('IN_PROGRESS', NOW - 1, NOW / 1000 + 60), 'claimed'],
    ['an in-progress marker with a live lease', item('IN_PROGRESS', NOW + 1, NOW / 1000 + 60), 'in_progress'],
    ['a live completed marker', item('COMPLETED', NOW - 1, NOW / 1000 + 60), 'completed'],
  ])('takeover through the sent condition: %s → %s', async (_, existing, status) => {
    table.returnItemOnDuplicate = false;
    table.items.set('c#1', existing);
    const claim = (await store.claim(['c#1'], NOW + 5_000)).get('c#1')!;
    expect(claim.status).toBe(status);
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
    const token = table.items.get('c#1')!.lease_token!.S;
    if (status === 'claimed') expect(token).toBe((claim as { token: string }).token);
    else expect(token).toBe('other');
  });

  it('falls back to one conditional PutItem per conflict when DuplicateItem carries no item', async () => {
    table.returnItemOnDuplicate = false;
    table.items.set('c#done', { ...item('COMPLETED', NOW - 1, NOW / 1000 + 60), id: { S: 'c#done' } });
    const claims = await store.claim(['c#done', 'c#new'], NOW + 5_000);
    expect(claims.get('c#done')).toEqual({ status: 'completed' });
    expect(claims.get('c#new')?.status).toBe('claimed');
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('reports a failed request or statement as an error for the ids concerned, claiming nothing', async () => {
    ddb.on(BatchExecuteStatementCommand).rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    expect((await store.claim(['c#1'], NOW + 5_000)).get('c#1')?.status).toBe('error');
    ddb.on(BatchExecuteStatementCommand).resolvesOnce({ Responses: [{ Error: { Code: 'ThrottlingError', Message: 'busy' } }] });
    expect((await store.claim(['c#1'], NOW + 5_000)).get('c#1')?.status).toBe('error');
    expect(table.items.size).toBe(0);
  });
});

describe('IdempotencyStore.finish', () => {
  it('completes and releases in one request, each only with the matching lease token (fencing)', async () => {
    const claims = await store.claim(['c#a', 'c#b', 'c#c'], NOW + 5_000);
    const token = (id: string) => (claims.get(id) as { token: string }).token;
    // c#c was taken over by another delivery after our lease ended
    table.items.set('c#c', { ...table.items.get('c#c')!, lease_token: { S: 'new-owner' } });
    ddb.resetHistory();
    const results = await store.finish([
      { id: 'c#a', token: token('c#a'), action: 'complete' },
      { id: 'c#b', token: token('c#b'), action: 'release' },
      { id: 'c#c', token: token('c#c'), action: 'complete' },
    ]);
    expect(ddb.calls()).toHaveLength(1);
    expect(Object.fromEntries(results)).toEqual({ 'c#a': 'ok', 'c#b': 'ok', 'c#c': 'lease_lost' });
    expect(table.status('c#a')).toBe('COMPLETED');
    expect(table.items.has('c#b')).toBe(false);
    expect(table.items.get('c#c')?.lease_token?.S).toBe('new-owner');
    expect(table.status('c#c')).toBe('IN_PROGRESS');
  });

  it('marks every item of a request that keeps failing as an error, after 5 sends', async () => {
    ddb.on(BatchExecuteStatementCommand).rejects(new Error('network'));
    const results = await store.finish([{ id: 'c#a', token: 't', action: 'complete' }]);
    expect(results.get('c#a')).toBe('error');
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(5);
  });

  // Found by the chaos run (issue 8): a throttled completion left the marker IN_PROGRESS after the work
  // was done, so a duplicate arriving after the lease ran the handler again (risk announced twice).
  it('sends a throttled request again until the marker is completed', async () => {
    const claims = await store.claim(['c#a'], NOW + 5_000);
    const token = (claims.get('c#a') as { token: string }).token;
    ddb.on(BatchExecuteStatementCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .callsFake((input) => table.batchExecuteStatement(input));
    ddb.resetHistory();
    const results = await store.finish([{ id: 'c#a', token, action: 'complete' }]);
    expect(results.get('c#a')).toBe('ok');
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(2);
    expect(table.status('c#a')).toBe('COMPLETED');
  });

  it('sends again only the statements that failed on their own (ThrottlingError in a 200 response), never a lost fence', async () => {
    const claims = await store.claim(['c#a', 'c#b', 'c#c'], NOW + 5_000);
    const token = (id: string) => (claims.get(id) as { token: string }).token;
    table.items.set('c#c', { ...table.items.get('c#c')!, lease_token: { S: 'new-owner' } });
    ddb.on(BatchExecuteStatementCommand)
      .callsFakeOnce((input) => {
        const out = table.batchExecuteStatement(input);
        return { Responses: out.Responses!.map((r, i) => (i === 1 ? { Error: { Code: 'ThrottlingError', Message: 'busy' } } : r)) };
      })
      .callsFake((input) => table.batchExecuteStatement(input));
    ddb.resetHistory();
    const results = await store.finish(['c#a', 'c#b', 'c#c'].map((id) => ({ id, token: token(id), action: 'complete' as const })));
    expect(Object.fromEntries(results)).toEqual({ 'c#a': 'ok', 'c#b': 'ok', 'c#c': 'lease_lost' });
    const calls = ddb.commandCalls(BatchExecuteStatementCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.Statements).toHaveLength(1);
    expect(table.status('c#b')).toBe('COMPLETED');
  });
});

describe('IdempotencyStore.completionWrite', () => {
  it('is a transaction item conditional on the lease token', () => {
    const write = store.completionWrite('c#a', 'tok');
    expect(write.Update).toMatchObject({
      TableName: TABLE,
      Key: { id: { S: 'c#a' } },
      ConditionExpression: 'lease_token = :token',
      ExpressionAttributeValues: { ':completed': { S: 'COMPLETED' }, ':token': { S: 'tok' }, ':expires_at': { N: String(NOW / 1000 + 3600) } },
    });
  });
});
