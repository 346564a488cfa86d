import { mapLimit } from '../../functions/runtime/support/map-limit';
import { cancelOrder, getOrder, settled } from '../local/actions';
import type { LocalSystem } from '../local/system';
import type { PlacedOrder } from './load';

/**
 * Customers cancelling orders they were told about: each planned cancellation waits until its order
 * has settled (so every reply is in, as a customer would see it), then POSTs the cancel. A 409 (the
 * order was rejected meanwhile) is an answer, not a failure. Bounded by `deadline`: an order still
 * unsettled then is not cancelled.
 */
export async function cancelPlanned(sys: LocalSystem, placed: readonly PlacedOrder[], options: { concurrency: number; deadline: number }): Promise<{ cancelled: Set<string>; refused: number; unsettled: number }> {
  const cancelled = new Set<string>();
  let refused = 0;
  let unsettled = 0;
  await mapLimit(placed.filter((p) => p.cancel), options.concurrency, async (p) => {
    for (;;) {
      const res = await getOrder(sys, p.order_id, p.user_id).catch(() => undefined);
      if (res?.status === 200 && settled(res.body)) break;
      if (Date.now() > options.deadline) {
        unsettled += 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    for (let attempt = 1; attempt <= 5; attempt++) {
      const res = await cancelOrder(sys, p.order_id, 'chaos: customer changed their mind', p.user_id).catch(() => undefined);
      if (res?.status === 202) return void cancelled.add(p.order_id);
      // 409: already final (rejected), or cancelled by an earlier attempt whose answer was lost
      if (res?.status === 409) {
        if (res.body?.details?.status === 'CANCELLED') cancelled.add(p.order_id);
        else refused += 1;
        return;
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    throw new Error(`cancel of ${p.order_id} kept failing`);
  });
  return { cancelled, refused, unsettled };
}
