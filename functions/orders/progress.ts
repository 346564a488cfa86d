import { consumer, dynamoClient, PermanentError, requiredEnv } from 'courier/runtime';
import { readOrder } from './order-record';
import { progressWrites, REPLY_EVENTS } from './record-fact';

const tables = { orders: requiredEnv('ORDERS_TABLE'), outbox: requiredEnv('OUTBOX_TABLE') };

/**
 * Records the reply events on their order, exactly once: the order update (and any compensation
 * outbox row) commit in one transaction with the idempotency marker.
 */
export const handler = consumer({
  events: REPLY_EVENTS,
  // its effects are exactly the writes it returns: no claim, the marker commits with them
  idempotency: { mode: 'optimistic' },
  // replies about one order arrive together; in turn, they never race for the order's version
  orderingKey: (event) => event.detail.order_id,
  handle: async (event, { signal }) => {
    const order = await readOrder(dynamoClient(), tables.orders, event.detail.order_id, signal);
    // Orders are written before they are announced, so a reply about an unknown order is a bug upstream.
    if (!order) throw new PermanentError(`order ${event.detail.order_id} does not exist`);
    return { writes: progressWrites(order, event, tables, Date.now()) };
  },
  onConditionFailed: async (error, event) => {
    // Someone updated the order since we read it: retry the record, which re-reads it.
    throw new Error(`order ${event.detail.order_id} changed concurrently (now version ${String(error.item?.version ?? '?')}); retrying`);
  },
});
