import { consumer, dynamoClient, PermanentError, requiredEnv } from 'courier/runtime';
import { commitProgress } from './commit-progress';
import { readOrder } from './order-record';
import { progressWrites, REPLY_EVENTS } from './record-fact';

const tables = { orders: requiredEnv('ORDERS_TABLE'), outbox: requiredEnv('OUTBOX_TABLE') };

/**
 * Records the reply events on their order, once each. The order's own version is the fence: the update
 * (with a compensation's outbox row, in one transaction) applies only to the order as it was read, and
 * a reply the order already holds writes nothing (record-fact.ts). That makes the write safe to run
 * more than once, so it does not ride in a transaction with the idempotency marker, which would double
 * the price of every reply: it is one conditional UpdateItem, and the optimistic mode then puts the
 * marker with one conditional PutItem. A copy running concurrently either fails the version fence and
 * re-reads, or finds the fact recorded; one whose marker was lost after its write finds the fact too
 * (bench/RESULTS.md § Counted cost).
 */
export const handler = consumer({
  events: REPLY_EVENTS,
  // its only effect is the fenced, repeatable order write above: no claim, the marker follows it
  idempotency: { mode: 'optimistic' },
  // replies about one order arrive together; in turn, they never race for the order's version
  orderingKey: (event) => event.detail.order_id,
  handle: async (event, { signal, log }) => {
    const order = await readOrder(dynamoClient(), tables.orders, event.detail.order_id, signal);
    // Orders are written before they are announced, so a reply about an unknown order is a bug upstream.
    if (!order) throw new PermanentError(`order ${event.detail.order_id} does not exist`);
    const writes = progressWrites(order, event, tables, Date.now());
    if (writes.length === 0) return log.info('reply already recorded on the order', { order_id: order.order_id, version: order.version });
    const result = await commitProgress(dynamoClient(), writes, signal);
    // Someone updated the order since we read it: retry the record, which re-reads it.
    if (!result.committed) throw new Error(`order ${event.detail.order_id} changed concurrently (now version ${String(result.current?.version ?? '?')}); retrying`);
  },
});
