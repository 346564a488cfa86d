import { ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeReplayCommand, DescribeRuleCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { horizonCheck, LEGACY_HORIZON_SECONDS } from '../../../bin/cli/horizon';
import { main } from '../../../bin/cli/main';
import { consumer, deployment, mocks, NOW, resetMocks, testContext } from './fixture';

/** Issue 12 item 3: the CLI refuses to send consumers events older than their idempotency horizon, unless --force. */
const DAY = 86_400_000;
const days31 = 31 * 86_400;
const withHorizons = () => {
  const d = deployment();
  d.consumers = [{ ...consumer('inventory-orders', 'inventory', ['order.created.v1']), idempotencyHorizonSeconds: days31 }, consumer('orders-progress', 'orders', ['inventory.reserved.v1'])];
  return d;
};
const iso = (t: number) => new Date(t).toISOString();

beforeEach(() => resetMocks());

describe('horizonCheck', () => {
  const inventory = { name: 'inventory-orders', idempotencyHorizonSeconds: days31 };
  it('passes events inside every receiver’s horizon', () => {
    expect(horizonCheck('redrive', [{ at: NOW - 30 * DAY, consumers: [inventory] }], NOW)).toEqual([]);
  });

  it('refuses an older event, naming the consumer, its horizon and the consequence (exit 2)', () => {
    let error: any;
    try {
      horizonCheck('redrive', [{ at: NOW - 40 * DAY, consumers: [inventory], label: 'the oldest DLQ message' }], NOW);
    } catch (e) {
      error = e;
    }
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('redrive refused: the oldest DLQ message is 40 days old; inventory-orders keeps idempotency markers for 31 days');
    expect(error.message).toContain('an effect it already applied is applied twice');
    expect(error.hint).toContain('--force');
  });

  it('assumes the old 48 h for a consumer deployed before it published its horizon', () => {
    expect(LEGACY_HORIZON_SECONDS).toBe(48 * 3600);
    expect(() => horizonCheck('replay', [{ at: NOW - 3 * DAY, consumers: [{ name: 'old' }] }], NOW)).toThrow(/old keeps idempotency markers for 2 days/);
  });

  it('with force, returns what will happen as warnings instead', () => {
    const warnings = horizonCheck('redrive', [{ at: NOW - 40 * DAY, consumers: [inventory] }], NOW, true);
    expect(warnings[0]).toMatch(/^--force: redrive re-runs events older than a receiver's idempotency horizon/);
    expect(warnings[1]).toContain('inventory-orders keeps idempotency markers for 31 days');
  });
});

describe('courier replay and the horizon', () => {
  const start = () => {
    mocks.events.on(DescribeRuleCommand).resolves({ EventPattern: JSON.stringify({ source: ['x'] }) });
    mocks.events.on(StartReplayCommand).resolves({ State: 'STARTING' });
    mocks.events.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
  };

  it('refuses a window that starts before a receiving consumer’s horizon, and starts nothing', async () => {
    start();
    const { ctx, out } = testContext({ deployment: withHorizons() });
    const code = await main(['replay', '--from', iso(NOW - 40 * DAY), '--to', iso(NOW - 39 * DAY), '--consumer', 'inventory-orders'], ctx);
    expect(code).toBe(2);
    expect(out.stderr).toContain('replay refused: the window from');
    expect(out.stderr).toContain('inventory-orders keeps idempotency markers for 31 days');
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it('replays it with --force, saying what will happen', async () => {
    start();
    const { ctx, out } = testContext({ deployment: withHorizons() });
    const code = await main(['replay', '--from', iso(NOW - 40 * DAY), '--to', iso(NOW - 39 * DAY), '--consumer', 'inventory-orders', '--force'], ctx);
    expect(code).toBe(0);
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(1);
    expect(out.stderr).toContain('warning: --force: replay re-runs events older than');
  });

  it('lets a window inside the horizon through without a word about it', async () => {
    start();
    const { ctx, out } = testContext({ deployment: withHorizons() });
    expect(await main(['replay', '--from', iso(NOW - 20 * DAY), '--to', iso(NOW - 19 * DAY), '--consumer', 'inventory-orders'], ctx)).toBe(0);
    expect(out.stderr).not.toContain('horizon');
  });
});

describe('courier failed retry and the horizon', () => {
  const row = (id: string, occurredAt: number) =>
    marshall({
      event_id: id,
      entry: JSON.stringify({ Source: 'courier.orders', DetailType: 'order.created.v1', Detail: JSON.stringify({ event_id: id, order_id: 'o', occurred_at: iso(occurredAt) }) }),
      error: 'ThrottlingException', attempts: 8, next_attempt_at: NOW, status: 'PARKED', parked_at: NOW - DAY,
    });

  it('refuses a parked event older than a receiving consumer’s horizon, before making anything due', async () => {
    mocks.dynamodb.on(ScanCommand).resolves({ Items: [row('e-new', NOW - DAY), row('e-old', NOW - 35 * DAY)] });
    const { ctx, out } = testContext({ deployment: withHorizons() });
    expect(await main(['failed', 'retry'], ctx)).toBe(2);
    expect(out.stderr).toContain('failed retry refused: event e-old (order.created.v1) is 35 days old; inventory-orders keeps idempotency markers for 31 days');
    expect(mocks.dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('retries it with --force and prints the warning', async () => {
    mocks.dynamodb.on(ScanCommand).resolves({ Items: [row('e-old', NOW - 35 * DAY)] });
    mocks.dynamodb.on(UpdateItemCommand).resolves({});
    mocks.lambda.on(InvokeCommand).resolves({ Payload: new TextEncoder().encode(JSON.stringify({ due: 1, published: 1, rescheduled: 0, parked: 0, unrecorded: 0 })) as never });
    const { ctx, out } = testContext({ deployment: withHorizons() });
    expect(await main(['failed', 'retry', '--force'], ctx)).toBe(0);
    expect(mocks.dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(out.stderr).toContain('warning: event e-old (order.created.v1) is 35 days old');
  });
});
