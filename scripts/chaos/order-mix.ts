import type { OrderLine } from '../local/actions';

/**
 * The orders a chaos run places, as a pure function of their index (so a run is reproducible): mostly
 * ordinary orders, some large enough for a risk review or a rejection, some competing for a scarce sku
 * (out-of-stock rejections), spread over a few hundred users so balances see concurrent updates.
 */
export interface PlannedOrder {
  index: number;
  user_id: string;
  lines: OrderLine[];
  /** The customer cancels it once it has settled. */
  cancel: boolean;
}

/** Stock for `orders` orders: plenty of the common skus, the scarce one runs out after ~1 in 40 asks. */
export function chaosStock(orders: number): Record<string, number> {
  return {
    'SKU-TEA': orders * 3,
    'SKU-RED-MUG': orders,
    'SKU-KETTLE': orders * 4,
    'SKU-SCARCE': Math.max(1, Math.floor(orders / 40)),
  };
}

export function plannedOrder(index: number): PlannedOrder {
  const lines: OrderLine[] = [{ sku: 'SKU-TEA', qty: 1 + (index % 3), unit_price_minor: 450 }];
  if (index % 4 === 0) lines.push({ sku: 'SKU-RED-MUG', qty: 1, unit_price_minor: 1299 });
  if (index % 20 === 3) lines.push({ sku: 'SKU-KETTLE', qty: 9, unit_price_minor: 4999 }); // ≈ 450 EUR → review
  if (index % 50 === 7) lines.push({ sku: 'SKU-KETTLE', qty: 25, unit_price_minor: 4999 }); // bulk + large → reject
  if (index % 20 === 11) lines.push({ sku: 'SKU-SCARCE', qty: 1, unit_price_minor: 100 }); // twice what the stock holds
  return { index, user_id: `user-${index % 257}`, lines, cancel: index % 25 === 13 };
}
