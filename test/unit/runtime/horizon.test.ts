import { BatchExecuteStatementCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { sqsEvent } from '../../../functions/testing/builders';
import { consumerTestSetup, fakeContext, orderRecord, TABLE } from './helpers';

/** Issue 12 item 3: markers live for the consumer's idempotency horizon, which covers every redelivery path. */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
consumerTestSetup(ddb, sqs);
afterEach(() => delete process.env.IDEMPOTENCY_HORIZON_SECONDS);

const make = (ttlSeconds?: number) => consumer({ events: [OrderCreatedV1] as const, idempotency: { table: TABLE, ttlSeconds }, handle: async () => {} });
/** The marker's expiry (epoch s) and when the batch started (epoch s). */
async function markerLifetime(handler: ReturnType<typeof make>): Promise<number> {
  const started = Math.floor(Date.now() / 1000);
  await handler(sqsEvent(orderRecord()), fakeContext());
  const insert = ddb.commandCalls(BatchExecuteStatementCommand)[0]!.args[0].input.Statements![0]!;
  return Number(insert.Parameters![4]!.N) - started;
}

describe('idempotency horizon', () => {
  it('keeps markers 31 days by default: longer than a DLQ (14 d), the archive (30 d) and a parked failed message (30 d) keep an event', async () => {
    expect(await markerLifetime(make())).toBeGreaterThanOrEqual(31 * 86400);
    expect(await markerLifetime(make())).toBeLessThanOrEqual(31 * 86400 + 1);
  });

  it('takes the horizon the construct sets (IDEMPOTENCY_HORIZON_SECONDS), and an explicit ttlSeconds over it', async () => {
    process.env.IDEMPOTENCY_HORIZON_SECONDS = String(90 * 86400);
    expect(Math.round((await markerLifetime(make())) / 86400)).toBe(90);
    ddb.resetHistory();
    expect(Math.round((await markerLifetime(make(86400))) / 86400)).toBe(1);
  });

  it('refuses a horizon that is not a positive number at construction', () => {
    process.env.IDEMPOTENCY_HORIZON_SECONDS = 'forever';
    expect(() => make()).toThrow(/IDEMPOTENCY_HORIZON_SECONDS must be a number ≥ 1, got NaN/);
  });
});
