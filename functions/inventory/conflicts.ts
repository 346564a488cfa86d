import { isReservationKey } from './stock-table';

/**
 * What to do when a condition on one of our writes failed and nothing was applied. `failed` is the item
 * as it was (ALL_OLD), absent when there was none.
 * - The reservation item got in the way of an order.created: the order already has its outcome (a
 *   concurrent duplicate) or was cancelled first: acknowledge.
 * - It got in the way of an order.cancelled: if it now holds a reservation, one landed between our read
 *   and our write and must be released, so retry (the retry re-reads); otherwise it is already released
 *   or rejected: acknowledge.
 * - A stock item got in the way (another order took the stock, or the sku vanished): retry, which
 *   re-reads and decides again (reserve, or reject).
 */
export function afterConditionFailed(event: 'created' | 'cancelled', failed: Record<string, unknown> | undefined): 'acknowledge' | 'retry' {
  if (!failed || !isReservationKey(failed.pk)) return 'retry';
  if (event === 'created') return 'acknowledge';
  return failed.state === 'RESERVED' ? 'retry' : 'acknowledge';
}
