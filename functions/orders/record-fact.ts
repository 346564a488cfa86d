import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { InventoryRejectedV1, InventoryReleasedV1, InventoryReservedV1 } from '../events/inventory';
import { OrderCancelledV1 } from '../events/orders';
import { PointsAwardedV1, PointsRevokedV1 } from '../events/points';
import { RiskAssessedV1 } from '../events/risk';
import { type EventOf, outboxWrites, outgoing } from 'courier/runtime';
import { deriveStatus, isFinal } from './order-progress';
import { orderUpdate, type OrderItem } from './order-record';

/**
 * The reply events that tell the orders service how an order is getting on, and what the services undid
 * when it was cancelled (its compensations).
 */
export const REPLY_EVENTS = [InventoryReservedV1, InventoryRejectedV1, RiskAssessedV1, PointsAwardedV1, InventoryReleasedV1, PointsRevokedV1] as const;
export type ReplyEvent = EventOf<typeof REPLY_EVENTS>;

type Fact = Pick<Partial<OrderItem>, 'stock' | 'stock_reason' | 'rejected_skus' | 'risk_score' | 'risk_decision' | 'points' | 'released_lines' | 'revoked_points'>;

/**
 * What one reply event says about the order, as order attributes. Setting (not adding) makes repeats
 * harmless; a compensation is its own attribute, so a reply overtaken by it (a late reservation) cannot
 * undo it.
 */
export function factOf(event: ReplyEvent): Fact {
  switch (event.detailType) {
    case InventoryReservedV1.detailType:
      return { stock: 'RESERVED' };
    case InventoryRejectedV1.detailType:
      return { stock: 'REJECTED', stock_reason: event.detail.reason, rejected_skus: event.detail.skus };
    case RiskAssessedV1.detailType:
      return { risk_score: event.detail.score, risk_decision: event.detail.decision };
    case PointsAwardedV1.detailType:
      return { points: event.detail.points };
    case InventoryReleasedV1.detailType:
      return { released_lines: event.detail.lines };
    case PointsRevokedV1.detailType:
      return { revoked_points: event.detail.points };
  }
}

/** True when the order already holds every value of the fact (a repeat of the same reply). */
export function alreadyRecorded(order: OrderItem, fact: Fact): boolean {
  return Object.entries(fact).every(([k, v]) => JSON.stringify(order[k as keyof OrderItem]) === JSON.stringify(v));
}

/**
 * The writes that record one reply event on the order read at `order.version`: the fact, the status
 * derived from all facts together (replies arrive in any order), and — when this fact rejects a live
 * order — an `order.cancelled.v1` outbox row, the saga's compensation (stock released, points revoked).
 * The update only applies if nobody changed the order since it was read. A final status never changes;
 * late facts are still recorded. None when the order already holds the fact: recording a reply is
 * idempotent on its own (a fact is set, not added; a repeat derives the same status and, the order
 * being final by then, compensates nothing), so a re-run whose first write went through writes nothing.
 */
export function progressWrites(order: OrderItem, event: ReplyEvent, tables: { orders: string; outbox: string }, now: number): TransactWriteItem[] {
  const fact = factOf(event);
  if (alreadyRecorded(order, fact)) return [];
  const known = { ...order, ...fact };
  const status = deriveStatus({ status: order.status, stock: known.stock, risk_decision: known.risk_decision, points: known.points });
  const rejectedNow = status === 'REJECTED' && !isFinal(order.status);
  const reason = rejectedNow ? (known.stock === 'REJECTED' ? (known.stock_reason ?? 'out_of_stock') : 'risk_rejected') : undefined;
  const update = orderUpdate(
    tables.orders,
    order.order_id,
    { ...fact, status, status_reason: reason, updated_at: new Date(now).toISOString() },
    { expression: '#version = :expected', values: { ':expected': order.version } },
  );
  if (!rejectedNow) return [update];
  const cancelled = outgoing(
    OrderCancelledV1,
    { order_id: order.order_id, user_id: order.user_id, reason },
    { correlationId: event.detail.correlation_id, causationId: event.detail.event_id },
  );
  return [update, ...outboxWrites(tables.outbox, [cancelled], now).writes];
}
