import type { DetailOf } from 'courier/contracts';
import { OrderCancelledV1, OrderCreatedV1 } from '../events/orders';
import { consumer, type HandlerContext, type HandlerResult, requiredEnv } from 'courier/runtime';
import { awardWrites } from './award';
import { afterConditionFailed } from './conflicts';
import { readLedger } from './points-table';
import { revokeWrites } from './revoke';

/**
 * points-ledger: awards points for order.created.v1 and revokes them for order.cancelled.v1, each in one
 * transaction with the idempotency marker (exactly-once effect). Env: POINTS_TABLE, OUTBOX_TABLE,
 * IDEMPOTENCY_TABLE (+ the consumer conventions).
 */
const tables = { points: requiredEnv('POINTS_TABLE'), outbox: requiredEnv('OUTBOX_TABLE') };

type OrderCreated = DetailOf<typeof OrderCreatedV1>;
type OrderCancelled = DetailOf<typeof OrderCancelledV1>;

async function award(order: OrderCreated): Promise<HandlerResult> {
  const writes = awardWrites(tables, order, await readLedger(tables.points, order.order_id, order.user_id));
  return writes.length > 0 ? { writes } : undefined;
}

async function revoke(cancel: OrderCancelled, { log }: HandlerContext): Promise<HandlerResult> {
  const { writes, shortfall } = revokeWrites(tables.points, cancel, await readLedger(tables.points, cancel.order_id, cancel.user_id));
  if (shortfall > 0) log.warn('balance lower than the points to revoke; clamped at zero', { order_id: cancel.order_id, user_id: cancel.user_id, shortfall });
  return writes.length > 0 ? { writes } : undefined;
}

export const handler = consumer({
  events: [OrderCreatedV1, OrderCancelledV1],
  // its effects are exactly the writes it returns: no claim, the marker commits with them
  idempotency: { mode: 'optimistic' },
  // one user's orders update one balance (optimistic version): in turn, not racing
  orderingKey: (event) => event.detail.user_id,
  handle: {
    'order.created.v1': ({ detail }) => award(detail),
    'order.cancelled.v1': ({ detail }, context) => revoke(detail, context),
  },
  onConditionFailed: async (error, { detailType, detail }, { log }) => {
    const kind = detailType === OrderCreatedV1.detailType ? 'created' : 'cancelled';
    if (afterConditionFailed(kind, error.item) === 'retry') throw new Error(`order ${detail.order_id}: ${error.message}; re-reading`, { cause: error });
    log.info('order already settled by a concurrent delivery', { order_id: detail.order_id, state: error.item?.state });
  },
});
