import type { RiskDecision } from '../risk/score';

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'IN_REVIEW' | 'REJECTED' | 'CANCELLED';
export type StockState = 'PENDING' | 'RESERVED' | 'REJECTED';

/** What the orders service knows about an order's progress, from the reply events. */
export interface OrderProgress {
  status: OrderStatus;
  stock: StockState;
  risk_decision?: RiskDecision;
  points?: number;
}

/** Final states never change again; late reply events only fill in their own field. */
export const isFinal = (status: OrderStatus): boolean => status === 'REJECTED' || status === 'CANCELLED';

/**
 * The status that follows from what is known. Reply events arrive in any order, so the status is
 * derived from all facts together rather than moved step by step.
 */
export function deriveStatus(progress: OrderProgress): OrderStatus {
  if (isFinal(progress.status)) return progress.status;
  if (progress.stock === 'REJECTED' || progress.risk_decision === 'reject') return 'REJECTED';
  if (progress.stock === 'RESERVED' && progress.risk_decision === 'approve') return 'CONFIRMED';
  if (progress.stock === 'RESERVED' && progress.risk_decision === 'review') return 'IN_REVIEW';
  return 'PENDING';
}
