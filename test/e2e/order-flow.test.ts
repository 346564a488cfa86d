import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveStatus } from '../../functions/orders/order-progress';
import { orderTotal } from '../../functions/orders/place-order-request';
import { pointsFor } from '../../functions/points/points-for';
import { scoreOrder } from '../../functions/risk/score';
import { placeOrder, settled, waitForOrder, type OrderLine } from '../../scripts/local/actions';
import type { LocalSystem } from '../../scripts/local/system';
import { freshSystem } from './system';

const STOCK = { 'SKU-TEA': 1000, 'SKU-RED-MUG': 1000, 'SKU-KETTLE': 1000, 'SKU-SCARCE': 5 };
const ORDERS = 50;

/** 50 orders: ordinary ones, some large enough for a risk review or a rejection, some competing for 5 scarce items. */
function orderFor(i: number): { user_id: string; lines: OrderLine[] } {
  const lines: OrderLine[] = [{ sku: 'SKU-TEA', qty: 1 + (i % 3), unit_price_minor: 450 }];
  if (i % 4 === 0) lines.push({ sku: 'SKU-RED-MUG', qty: 1, unit_price_minor: 1299 });
  if (i % 10 === 3) lines.push({ sku: 'SKU-KETTLE', qty: 9, unit_price_minor: 4999 }); // ≈ 450 EUR → review
  if (i % 10 === 7) lines.push({ sku: 'SKU-KETTLE', qty: 25, unit_price_minor: 4999 }); // bulk + large → reject
  if (i % 5 === 1) lines.push({ sku: 'SKU-SCARCE', qty: 1, unit_price_minor: 100 }); // 10 orders want 5 items
  return { user_id: `user-${i % 7}`, lines };
}

describe('orders flow to completion on the deployed system', () => {
  let sys: LocalSystem;
  const placed: { id: string; request: ReturnType<typeof orderFor> }[] = [];
  const final = new Map<string, any>();

  beforeAll(async () => {
    sys = await freshSystem(STOCK);
    for (let i = 0; i < ORDERS; i++) {
      const request = orderFor(i);
      const res = await placeOrder(sys, request);
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      placed.push({ id: res.body.order_id, request });
    }
    for (const { id } of placed) final.set(id, await waitForOrder(sys, id, settled, 120_000));
  });

  it('settles every order with the risk decision its content implies', () => {
    for (const { id, request } of placed) {
      const order = final.get(id);
      const total = orderTotal(request);
      const risk = scoreOrder({ lines: request.lines, total_minor: total, currency: 'EUR' });
      expect(order.total_minor).toBe(total);
      expect(order.progress.risk).toEqual(risk);
      expect(order.status).toBe(deriveStatus({ status: 'PENDING', stock: order.progress.stock.state, risk_decision: risk.decision }));
    }
  });

  it('takes exactly the reserved quantities from stock, never below zero, and oversells nothing', async () => {
    const reserved: Record<string, number> = {};
    for (const { id, request } of placed) {
      const order = final.get(id);
      // rejected orders are compensated (order.cancelled.v1): their reservation is released again
      if (order.progress.stock.state === 'RESERVED' && order.status !== 'REJECTED') {
        for (const line of request.lines) reserved[line.sku] = (reserved[line.sku] ?? 0) + line.qty;
      }
    }
    const scarceWanted = placed.filter((p) => p.request.lines.some((l) => l.sku === 'SKU-SCARCE')).length;
    expect(scarceWanted).toBe(10);
    for (const [sku, seeded] of Object.entries(STOCK)) {
      const item = await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.stock, Key: { pk: { S: `SKU#${sku}` } }, ConsistentRead: true }));
      const available = unmarshall(item.Item!).available;
      expect(available, sku).toBeGreaterThanOrEqual(0);
      expect(available, sku).toBe(seeded - (reserved[sku] ?? 0));
    }
    const outOfStock = placed.filter((p) => final.get(p.id).progress.stock.reason === 'out_of_stock');
    expect(outOfStock.length).toBeGreaterThanOrEqual(5);
  });

  it('awards points once per order and keeps them only for orders that stand', async () => {
    const expected: Record<string, number> = {};
    for (const { id, request } of placed) {
      const order = final.get(id);
      const points = pointsFor(order.total_minor);
      if (order.status !== 'REJECTED') {
        expect(order.progress.points).toBe(points);
        expected[request.user_id] = (expected[request.user_id] ?? 0) + points;
      } else {
        // a rejected order shows what was undone, not its pre-cancel progress
        expect(order.progress.points).toBe(0);
        // what points took back: the award, or 0 when the cancel overtook the award (REVOKED tombstone)
        const award = await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.points, Key: { pk: { S: `AWARD#${id}` } }, ConsistentRead: true }));
        expect(unmarshall(award.Item!)).toMatchObject({ state: 'REVOKED' });
        expect(order.compensations.points).toEqual({ state: 'DONE', revoked: unmarshall(award.Item!).points });
        expect(order.compensations.stock.state).toBe('DONE');
        if (order.progress.stock.state !== 'REJECTED') expect(order.progress.stock.state).toBe('RELEASED');
      }
    }
    // compensation of rejected orders is asynchronous: wait for the balances to converge
    await expect
      .poll(async () => {
        const balances: Record<string, number> = {};
        for (const user of Object.keys(expected)) {
          const item = await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.points, Key: { pk: { S: `USER#${user}` } }, ConsistentRead: true }));
          balances[user] = item.Item ? unmarshall(item.Item).balance : 0;
        }
        return balances;
      }, { timeout: 60_000, interval: 1_000 })
      .toEqual(expected);
  });

  it('leaves every dead-letter queue empty', async () => {
    for (const c of sys.deployment.consumers) {
      for (const QueueUrl of [c.dlqUrl, c.targetDlqUrl]) {
        const { Attributes } = await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        expect(Attributes, `${c.name} ${QueueUrl}`).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
      }
    }
  });
});
