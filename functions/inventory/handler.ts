import type { DetailOf } from 'courier/contracts';
import { OrderCancelledV1, OrderCreatedV1 } from '../events/orders';
import { consumer, type HandlerResult, requiredEnv } from 'courier/runtime';
import { afterConditionFailed } from './conflicts';
import { decideRelease, releaseWrites } from './release';
import { decideReserve, reserveWrites, stockLines } from './reserve';
import { readStock } from './stock-table';

/**
 * inventory-orders: reserves stock for order.created.v1 and releases it for order.cancelled.v1, each in
 * one transaction with the idempotency marker (exactly-once effect). Env: STOCK_TABLE, OUTBOX_TABLE,
 * IDEMPOTENCY_TABLE (+ the consumer conventions).
 */
const tables = { stock: requiredEnv('STOCK_TABLE'), outbox: requiredEnv('OUTBOX_TABLE') };

type OrderCreated = DetailOf<typeof OrderCreatedV1>;
type OrderCancelled = DetailOf<typeof OrderCancelledV1>;

async function reserve(order: OrderCreated): Promise<HandlerResult> {
  const lines = stockLines(order.lines);
  const decision = decideReserve(lines, await readStock(tables.stock, order.order_id, lines.map((l) => l.sku)));
  if (decision.action === 'none') return;
  return { writes: reserveWrites(tables, order, decision) };
}

async function release(cancel: OrderCancelled): Promise<HandlerResult> {
  const { reservation } = await readStock(tables.stock, cancel.order_id);
  const decision = decideRelease(reservation);
  if (decision.action === 'none') return;
  return { writes: releaseWrites(tables.stock, cancel.order_id, decision) };
}

export const handler = consumer({
  events: [OrderCreatedV1, OrderCancelledV1],
  // its effects are exactly the writes it returns: no claim, the marker commits with them
  idempotency: { mode: 'optimistic' },
  // a created and a cancelled for one order in the same batch apply in arrival order
  orderingKey: (event) => event.detail.order_id,
  handle: {
    'order.created.v1': ({ detail }) => reserve(detail),
    'order.cancelled.v1': ({ detail }) => release(detail),
  },
  onConditionFailed: async (error, { detailType, detail }, { log }) => {
    const kind = detailType === OrderCreatedV1.detailType ? 'created' : 'cancelled';
    if (afterConditionFailed(kind, error.item) === 'retry') throw new Error(`order ${detail.order_id}: ${error.message}; re-reading`, { cause: error });
    log.info('order already settled by a concurrent delivery', { order_id: detail.order_id, state: error.item?.state });
  },
});
