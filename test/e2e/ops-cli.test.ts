import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bufferOutput, createContext, dlqList, dlqRedrive, dlqShow, main, renderDlqShow, renderTrace, trace, type Context } from '../../bin/cli/index';
import { plugin as ordersPlugin } from '../../scripts/ops/orders-plugin';
import { applyEngineEnv } from '../../bin/cli/local/engine';
import { envelope, placeOrder, sendToQueue, settled, waitForOrder } from '../../scripts/local/actions';
import { setFunctionEnv } from '../../scripts/local/function-config';
import { waitFor, type LocalSystem } from '../../scripts/local/system';
import { freshSystem } from './system';

/**
 * The 3 a.m. drill on the deployed system: a consumer breaks (its table setting is wrong) and a poison
 * message arrives; the CLI shows why each message is in the DLQ and traces an order; the cause is fixed;
 * the DLQ is redriven; every order completes with its points awarded exactly once.
 */
describe('ops CLI against the local engine', () => {
  let sys: LocalSystem;
  let ctx: Context;
  const points = () => sys.consumer('points-ledger');
  let redrive: string;
  const orders: string[] = [];

  beforeAll(async () => {
    applyEngineEnv(inject('endpoint'));
    sys = await freshSystem({ 'SKU-TEA': 100 });
    ctx = createContext({ out: bufferOutput(), plugins: [ordersPlugin] });
    redrive = (await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: points().queueUrl, AttributeNames: ['RedrivePolicy'] }))).Attributes!.RedrivePolicy!;
  });
  afterAll(async () => {
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: sys.tables.points });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: redrive } }));
  });

  it('shows why messages are in the DLQ and traces an order to the failing consumer', async () => {
    // Break the consumer (a wrong table name: every record fails transiently) and let SQS give up after one try.
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: 'no-such-table' });
    const quick = JSON.stringify({ ...JSON.parse(redrive), maxReceiveCount: 1 });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: quick } }));
    for (const user of ['night-1', 'night-2', 'night-3']) {
      const res = await placeOrder(sys, { user_id: user, lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 1500 }] });
      orders.push(res.body.order_id);
    }
    await sendToQueue(sys, 'points-ledger', envelope('order.created.v1', 'courier.orders', { order_id: 'ord-bad', total_minor: -1 }));

    const list = await waitFor('4 messages in the points-ledger DLQ', async () => {
      const rows = await dlqList(ctx);
      const row = rows.find((r) => r.owner === 'points-ledger' && r.kind === 'dlq');
      return row && row.depth >= 4 ? rows : undefined;
    }, 90_000, 2_000);
    expect(list.filter((r) => r.depth > 0).map((r) => `${r.owner}/${r.kind}`)).toEqual(['points-ledger/dlq']);

    const shown = await dlqShow(ctx, 'points-ledger', { limit: 20 });
    process.stdout.write(`\n$ courier dlq show points-ledger\n${renderDlqShow(shown)}\n`);
    const groups = Object.fromEntries(shown.groups.map((g) => [g.errorClass, g.count]));
    expect(groups).toEqual({ RedriveExhausted: 3, ContractViolation: 1 });
    const exhausted = shown.groups.find((g) => g.errorClass === 'RedriveExhausted')!.messages;
    expect(exhausted.map((m) => m.businessKey).sort()).toEqual([...orders].sort());
    expect(shown.groups.find((g) => g.errorClass === 'ContractViolation')!.messages[0]).toMatchObject({ businessKey: 'ord-bad', consumer: 'points-ledger' });

    const traced = await trace(ctx, orders[0]!);
    process.stdout.write(`\n$ courier trace ${orders[0]}\n${renderTrace(traced)}\n`);
    const created = traced.events.find((e) => e.detailType === 'order.created.v1')!;
    expect(created.status).toBe('PUBLISHED');
    expect(Object.fromEntries(created.consumers.map((c) => [c.consumer, c.record]))).toMatchObject({ 'inventory-orders': 'COMPLETED', 'risk-assess': 'COMPLETED', 'points-ledger': 'NONE' });
    expect(traced.dlq.map((d) => d.consumer)).toEqual(['points-ledger']);
    expect(traced.diagnosis).toMatch(/points-ledger/);
  });

  it('refuses misuse with usage and a non-zero exit', async () => {
    const out = bufferOutput();
    expect(await main(['dlq', 'show'], createContext({ out }))).toBe(2);
    expect(out.stderr).toMatch(/usage/i);
    expect(await main(['dlq', 'show', 'no-such-consumer'], createContext({ out: bufferOutput() }))).toBe(5);
  });

  it('after the fix, a redrive completes every order with points awarded exactly once', async () => {
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: sys.tables.points });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: redrive } }));

    const dry = await dlqRedrive(ctx, 'points-ledger', { dryRun: true });
    expect(dry).toMatchObject({ method: 'dry-run', moved: 0, depth: 4 });
    const moved = await dlqRedrive(ctx, 'points-ledger', {});
    expect(moved.method).toBe('receive-send-delete'); // the engine has no StartMessageMoveTask
    expect(moved).toMatchObject({ moved: 4, failed: [] });

    for (const id of orders) {
      const order = await waitForOrder(sys, id, settled, 90_000);
      expect(order.progress.points).toBe(15);
    }
    for (const user of ['night-1', 'night-2', 'night-3']) {
      const item = await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.points, Key: { pk: { S: `USER#${user}` } }, ConsistentRead: true }));
      expect(unmarshall(item.Item!).balance, user).toBe(15);
    }
    // the poison message is still poison: back in the DLQ with its reason, nothing else
    const again = await waitFor('the poison message back in the DLQ', async () => {
      const shown = await dlqShow(ctx, 'points-ledger', { limit: 10 });
      return shown.depth === 1 ? shown : undefined;
    }, 30_000);
    expect(again.groups.map((g) => g.errorClass)).toEqual(['ContractViolation']);
    const traced = await trace(ctx, orders[0]!);
    expect(traced.diagnosis).toMatch(/all consumers completed/);
  });
});
