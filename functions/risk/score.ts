import type { DetailOf } from 'courier/contracts';
import type { OrderCreatedV1 } from '../events/orders';

export type RiskDecision = 'approve' | 'review' | 'reject';

const USUAL_CURRENCIES = new Set(['EUR', 'USD', 'GBP']);

/**
 * Deterministic fraud score 0–100 from the order's content alone, so a redelivered event always gets
 * the same answer: large amounts, bulk quantities and unusual currencies raise it.
 */
export function scoreOrder(order: Pick<DetailOf<typeof OrderCreatedV1>, 'lines' | 'total_minor' | 'currency'>): {
  score: number;
  decision: RiskDecision;
} {
  const amount = Math.min(60, Math.floor(order.total_minor / 5_000) * 5); // +5 per 50.00
  const units = order.lines.reduce((sum, line) => sum + line.qty, 0);
  const bulk = (units > 20 ? 20 : 0) + (order.lines.some((line) => line.qty > 10) ? 10 : 0);
  const currency = USUAL_CURRENCIES.has(order.currency) ? 0 : 15;
  const score = Math.min(100, amount + bulk + currency);
  return { score, decision: score < 40 ? 'approve' : score < 70 ? 'review' : 'reject' };
}
