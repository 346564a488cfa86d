import { ConditionalCheckFailedException, GetItemCommand, QueryCommand, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { failedList, failedRetry } from '../../../bin/cli/failed';
import { main } from '../../../bin/cli/main';
import { outboxRetry, outboxStatus } from '../../../bin/cli/outbox';
import { mocks, NOW, resetMocks, testContext } from './fixture';

const payload = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)) as never;
const emptyQueue = () => mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });

describe('outbox status / retry', () => {
  beforeEach(() => resetMocks());

  it('counts pending rows through the pending-by-age index with the oldest first, plus the relay DLQ depth', async () => {
    mocks.dynamodb.on(QueryCommand, { Limit: 5 }).resolves({ Items: [marshall({ event_id: 'e1', created_at: NOW - 600_000 }), marshall({ event_id: 'e2', created_at: NOW - 5_000 })] });
    mocks.dynamodb.on(QueryCommand, { Select: 'COUNT' }).resolvesOnce({ Count: 100, LastEvaluatedKey: marshall({ event_id: 'x' }) }).resolves({ Count: 2 });
    mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    const { ctx } = testContext();
    const [row] = await outboxStatus(ctx);
    expect(row).toMatchObject({ service: 'orders', pending: 102, oldestPendingAgeSeconds: 600, oldestPendingEventIds: ['e1', 'e2'], relayDlqDepth: 1 });
    const q = mocks.dynamodb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(q).toMatchObject({ TableName: 'orders-outbox', IndexName: 'pending-by-age', KeyConditionExpression: '#p = :p', ScanIndexForward: true });
    const { ctx: c2, out } = testContext();
    mocks.dynamodb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 2 });
    expect(await main(['outbox', 'status'], c2)).toBe(0);
    expect(out.stdout).toMatch(/orders\s+2\s+10m00s\s+1\s+e1 e2/);
    expect(out.stdout).toContain('courier outbox retry');
  });

  it('lists parked rows (newest first, with their reasons) through the parked-by-time index', async () => {
    mocks.dynamodb.on(QueryCommand).resolves({ Items: [], Count: 0 });
    const parked = { event_id: 'e9', detail_type: 'order.created.v1', parked_at: NOW - 60_000, attempts: 1, last_error: 'MalformedDetail: Detail is malformed' };
    mocks.dynamodb.on(QueryCommand, { IndexName: 'parked-by-time', Limit: 5 }).resolves({ Items: [marshall(parked)] });
    mocks.dynamodb.on(QueryCommand, { IndexName: 'parked-by-time', Select: 'COUNT' }).resolves({ Count: 1 });
    emptyQueue();
    const { ctx } = testContext();
    const [row] = await outboxStatus(ctx);
    expect(row).toMatchObject({ pending: 0, parked: 1, newestParked: [{ eventId: 'e9', detailType: 'order.created.v1', attempts: 1, error: 'MalformedDetail: Detail is malformed', parkedAt: new Date(NOW - 60_000).toISOString() }] });
    const q = mocks.dynamodb.commandCalls(QueryCommand).map((c) => c.args[0].input).find((i) => i.IndexName === 'parked-by-time' && i.Limit === 5)!;
    expect(q).toMatchObject({ TableName: 'orders-outbox', KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'parked' }, ExpressionAttributeValues: { ':p': { S: 'PARKED' } }, ScanIndexForward: false });
    const { ctx: c2, out } = testContext();
    expect(await main(['outbox', 'status'], c2)).toBe(0);
    expect(out.stdout).toContain('parked rows (not published');
    expect(out.stdout).toMatch(/orders\s+e9\s+order\.created\.v1\s+\S+\s+1\s+MalformedDetail: Detail is malformed/);
  });

  it('retry invokes the deployed sweeper and reports what it did', async () => {
    mocks.dynamodb.on(QueryCommand, { Limit: 5 }).resolves({ Items: [] });
    mocks.dynamodb.on(QueryCommand, { Select: 'COUNT' }).resolvesOnce({ Count: 3 }).resolves({ Count: 0 });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { SWEEP_AFTER_SECONDS: '30' } } });
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ found: 3, published: 3, failed: 0 }) });
    const { ctx, out } = testContext();
    expect(await main(['outbox', 'retry', '--service', 'orders', '--older-than', '120'], ctx)).toBe(0);
    const invoke = mocks.lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(invoke).toMatchObject({ FunctionName: 'orders-sweeper', InvocationType: 'RequestResponse' });
    const q = mocks.dynamodb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(q.KeyConditionExpression).toBe('#p = :p AND created_at <= :cutoff');
    expect(q.ExpressionAttributeValues![':cutoff']).toEqual({ N: String(NOW - 120_000) });
    expect(out.stdout).toBe('orders: pending > 120s 3 → 0; sweeper found 3, published 3, failed 0\n');
  });

  it('retry --parked puts parked rows back to pending (conditional on still being parked), then sweeps', async () => {
    mocks.dynamodb.on(QueryCommand, { IndexName: 'parked-by-time' }).resolves({ Items: [marshall({ event_id: 'p1' }), marshall({ event_id: 'p2' })] });
    mocks.dynamodb.on(UpdateItemCommand).resolvesOnce({}).rejects(new ConditionalCheckFailedException({ message: 'moved', $metadata: {} }));
    mocks.dynamodb.on(QueryCommand, { IndexName: 'pending-by-age', Select: 'COUNT' }).resolvesOnce({ Count: 1 }).resolves({ Count: 0 });
    mocks.dynamodb.on(QueryCommand, { IndexName: 'pending-by-age', Limit: 5 }).resolves({ Items: [] });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({});
    mocks.lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload({ found: 1, published: 1, failed: 0, parked: 0, skipped: 0 }) });
    const { ctx, out } = testContext();
    expect(await main(['outbox', 'retry', '--parked'], ctx)).toBe(0);
    const updates = mocks.dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.Key!.event_id!.S)).toEqual(['p1', 'p2']);
    expect(updates[0]).toMatchObject({ ConditionExpression: '#s = :parked', UpdateExpression: 'SET #s = :pending, #pending = :pending, attempts = :zero REMOVE #parked, parked_at' });
    expect(out.stdout).toBe('orders: 1 parked row(s) put back to pending; pending 1 → 0; sweeper found 1, published 1, failed 0\n');
  });

  it('retry does not invoke when nothing is pending, and exits 1 when the sweeper fails', async () => {
    mocks.dynamodb.on(QueryCommand).resolves({ Count: 0, Items: [] });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({});
    const { ctx } = testContext();
    const [r] = await outboxRetry(ctx);
    expect(r).toMatchObject({ pendingBefore: 0, sweepAfterSeconds: 60 });
    expect(mocks.lambda.commandCalls(InvokeCommand)).toHaveLength(0);

    mocks.dynamodb.on(QueryCommand, { Select: 'COUNT' }).resolves({ Count: 1 });
    mocks.lambda.on(InvokeCommand).resolves({ FunctionError: 'Unhandled', Payload: payload({ errorType: 'AccessDeniedException', errorMessage: 'not allowed' }) });
    const b = testContext();
    expect(await main(['outbox', 'retry'], b.ctx)).toBe(1);
    expect(b.out.stdout).toContain('sweeper failed: Unhandled: AccessDeniedException: not allowed');
  });
});

const failedItem = (id: string, status: 'DUE' | 'PARKED', attempts: number) =>
  marshall({
    event_id: id,
    entry: JSON.stringify({ Source: 'courier.risk', DetailType: 'risk.assessed.v1', Detail: JSON.stringify({ event_id: id, order_id: 'ord_1' }) }),
    error: 'ThrottlingException: slow down',
    attempts,
    next_attempt_at: NOW + 60_000,
    status,
    ...(status === 'DUE' ? { due: 'DUE' } : { parked_at: NOW - 1000 }),
  });

describe('failed list / retry', () => {
  beforeEach(() => resetMocks());

  it('lists due and parked rows with attempts, next attempt, error, detail-type and business key', async () => {
    mocks.dynamodb.on(ScanCommand).resolves({ Items: [failedItem('e2', 'PARKED', 8), failedItem('e1', 'DUE', 2)] });
    const { ctx } = testContext();
    const rows = await failedList(ctx);
    expect(rows.map((r) => [r.eventId, r.status, r.attempts])).toEqual([
      ['e1', 'DUE', 2],
      ['e2', 'PARKED', 8],
    ]);
    expect(rows[0]).toMatchObject({ service: 'risk', detailType: 'risk.assessed.v1', businessKey: 'ord_1', nextAttemptAt: '2026-01-15T12:01:00.000Z', error: 'ThrottlingException: slow down' });
    const { ctx: c2, out } = testContext();
    expect(await main(['failed', 'list', '--parked'], c2)).toBe(0);
    expect(mocks.dynamodb.commandCalls(ScanCommand)[1]!.args[0].input).toMatchObject({ TableName: 'risk-failed', FilterExpression: '#s = :parked' });
    expect(out.stdout).toContain('courier failed retry');
  });

  it('retry makes every row due now (attempts kept, conditional on existence) and invokes the retrier', async () => {
    mocks.dynamodb.on(ScanCommand).resolves({ Items: [failedItem('e1', 'PARKED', 8), failedItem('e2', 'DUE', 1)] });
    mocks.dynamodb.on(UpdateItemCommand, { Key: marshall({ event_id: 'e2' }) }).rejects(new ConditionalCheckFailedException({ message: 'gone', $metadata: {} }));
    mocks.dynamodb.on(UpdateItemCommand, { Key: marshall({ event_id: 'e1' }) }).resolves({});
    mocks.lambda.on(InvokeCommand).resolves({ Payload: payload({ due: 1, published: 1, rescheduled: 0, parked: 0, unrecorded: 0 }) });
    const { ctx } = testContext();
    const [r] = await failedRetry(ctx);
    expect(r).toMatchObject({ service: 'risk', madeDue: ['e1'], missing: ['e2'], retrier: { published: 1 } });
    const update = mocks.dynamodb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(update.UpdateExpression).toBe('SET #s = :due, #due = :due, next_attempt_at = :now');
    expect(update.UpdateExpression).not.toContain('attempts');
    expect(update.ConditionExpression).toBe('attribute_exists(event_id)');
    expect(update.ExpressionAttributeValues).toEqual(marshall({ ':due': 'DUE', ':now': NOW }));
    expect(mocks.lambda.commandCalls(InvokeCommand)[0]!.args[0].input.FunctionName).toBe('risk-retrier');
  });

  it('retry --event-id touches only that row, and fails clearly when no store has it', async () => {
    mocks.dynamodb.on(GetItemCommand).resolves({ Item: failedItem('e7', 'PARKED', 8) });
    mocks.dynamodb.on(UpdateItemCommand).resolves({});
    mocks.lambda.on(InvokeCommand).resolves({ Payload: payload({ due: 1, published: 0, rescheduled: 0, parked: 1, unrecorded: 0 }) });
    const a = testContext();
    expect(await main(['failed', 'retry', '--event-id', 'e7'], a.ctx)).toBe(0);
    expect(mocks.dynamodb.commandCalls(ScanCommand)).toHaveLength(0);
    expect(a.out.stdout).toContain('made 1 row(s) due now');
    expect(a.out.stdout).toContain('fix the cause first');

    mocks.dynamodb.on(GetItemCommand).resolves({});
    const b = testContext();
    expect(await main(['failed', 'retry', '--event-id', 'nope'], b.ctx)).toBe(1);
    expect(b.out.stderr).toContain('no failed-message row with event_id nope');
  });

  it('unknown service exits 5', async () => {
    emptyQueue();
    const { ctx, out } = testContext();
    expect(await main(['failed', 'list', '--service', 'orders'], ctx)).toBe(5);
    expect(out.stderr).toContain('services with a failed-message store: risk');
  });
});
