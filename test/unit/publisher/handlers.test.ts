import { BatchGetItemCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ddb = mockClient(DynamoDBClient);
const eb = mockClient(EventBridgeClient);
const saved = { ...process.env };
/** The clock the handlers read (Date.now), pinned: thresholds are then exact, not two clock reads apart. */
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

beforeEach(() => {
  vi.resetModules();
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', EVENT_BUS_NAME: 'bus', SERVICE_NAME: 'orders', OUTBOX_TABLE: 'outbox', FAILED_MESSAGE_TABLE: 'failed' });
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(BatchGetItemCommand).resolves({ Responses: {} });
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
});
afterEach(() => {
  process.env = { ...saved };
  ddb.reset();
  eb.reset();
  vi.restoreAllMocks();
});

describe('Lambda handlers read their configuration from the environment', () => {
  it('sweeper: OUTBOX_TABLE and SWEEP_AFTER_SECONDS', async () => {
    process.env.SWEEP_AFTER_SECONDS = '120';
    const { handler } = await import('../../../functions/handlers/sweeper');
    expect(await handler()).toEqual({ found: 0, published: 0, failed: 0, parked: 0, skipped: 0 });
    const input = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.TableName).toBe('outbox');
    expect(unmarshall(input.ExpressionAttributeValues!)[':bound']).toBe(NOW - 120_000);
  });

  it('sweeper: MAX_ATTEMPTS sets the sweeps after which a row that keeps failing is parked', async () => {
    process.env.MAX_ATTEMPTS = '1';
    const row = { event_id: 'evt-1', source: 'courier.orders', detail_type: 'order.created.v1', detail: '{}', status: 'PENDING', created_at: NOW - 600_000, attempts: 0 };
    ddb.on(QueryCommand).resolves({ Items: [{ event_id: { S: 'evt-1' } }] });
    ddb.on(BatchGetItemCommand).resolves({ Responses: { outbox: [marshall(row)] } });
    ddb.on(UpdateItemCommand).resolves({});
    eb.on(PutEventsCommand).resolves({ Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }], FailedEntryCount: 1 });
    const { handler } = await import('../../../functions/handlers/sweeper');
    expect(await handler()).toMatchObject({ parked: 1, failed: 0 });
  });

  it('sweeper: an operator invoke may ask for a younger threshold; anything else keeps the configured one', async () => {
    process.env.SWEEP_AFTER_SECONDS = '120';
    const { handler } = await import('../../../functions/handlers/sweeper');
    const ageOf = async (event: unknown) => {
      ddb.resetHistory();
      await handler(event as never);
      return NOW - (unmarshall(ddb.commandCalls(QueryCommand)[0]!.args[0].input.ExpressionAttributeValues!)[':bound'] as number);
    };
    expect(await ageOf({ olderThanSeconds: 5 })).toBe(5_000);
    for (const ignored of [{ 'detail-type': 'Scheduled Event' }, { olderThanSeconds: -1 }, { olderThanSeconds: '5' }]) {
      expect(await ageOf(ignored)).toBe(120_000);
    }
  });

  it('retrier: FAILED_MESSAGE_TABLE', async () => {
    const { handler } = await import('../../../functions/handlers/retrier');
    expect(await handler()).toEqual({ due: 0, published: 0, rescheduled: 0, parked: 0, skipped: 0, unrecorded: 0 });
    expect(ddb.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ TableName: 'failed', IndexName: 'due-by-time' });
  });

  it('fails the cold start on a missing or malformed variable', async () => {
    delete process.env.OUTBOX_TABLE;
    await expect(import('../../../functions/handlers/relay')).rejects.toThrow('environment variable OUTBOX_TABLE is not set');
    process.env.MAX_ATTEMPTS = 'eight';
    await expect(import('../../../functions/handlers/retrier')).rejects.toThrow('MAX_ATTEMPTS must be a positive integer, got "eight"');
  });
});
