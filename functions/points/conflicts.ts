import { isAwardKey } from './points-table';

/**
 * What to do when a condition on one of our writes failed and nothing was applied. `failed` is the item
 * as it was (ALL_OLD), absent when there was none.
 * - The award item got in the way of an order.created: the order was awarded by a concurrent duplicate
 *   or cancelled first: acknowledge (this is what makes the award exactly-once per order).
 * - It got in the way of an order.cancelled: if it is now AWARDED, an award landed between our read and
 *   our write and must be revoked, so retry (the retry re-reads); if REVOKED: acknowledge.
 * - The account got in the way (its version moved: another order of the same user): retry with a fresh read.
 */
export function afterConditionFailed(event: 'created' | 'cancelled', failed: Record<string, unknown> | undefined): 'acknowledge' | 'retry' {
  if (!failed || !isAwardKey(failed.pk)) return 'retry';
  if (event === 'created') return 'acknowledge';
  return failed.state === 'AWARDED' ? 'retry' : 'acknowledge';
}
