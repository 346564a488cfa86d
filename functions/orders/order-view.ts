import { isFinal, type StockState } from './order-progress';
import type { OrderItem } from './order-record';

export const orderLinks = (orderId: string) => ({ self: `/orders/${orderId}` });

/** A compensation of a cancelled or rejected order: PENDING until the service reports what it undid. */
type Compensation<T> = { state: 'PENDING' } | ({ state: 'DONE' } & T);

/**
 * `GET /orders/{id}`: the order as placed and where it stands now, from the reply events. Once it is
 * cancelled or rejected, what inventory and points report they undid replaces the pre-cancel progress
 * (stock RELEASED, points 0) and `compensations` says which are done.
 */
export function orderView(order: OrderItem) {
  const released = order.released_lines;
  const revoked = order.revoked_points;
  return {
    order_id: order.order_id,
    user_id: order.user_id,
    status: order.status,
    ...(order.status_reason === undefined ? {} : { status_reason: order.status_reason }),
    currency: order.currency,
    total_minor: order.total_minor,
    lines: order.lines,
    progress: {
      stock: {
        state: stockState(order),
        ...(order.stock_reason === undefined ? {} : { reason: order.stock_reason }),
        ...(order.rejected_skus === undefined ? {} : { skus: order.rejected_skus }),
      },
      risk: order.risk_decision === undefined ? null : { score: order.risk_score, decision: order.risk_decision },
      // what the order holds now: nothing once its points were taken back
      points: revoked === undefined ? (order.points ?? null) : 0,
    },
    ...(isFinal(order.status) ? { compensations: compensationsView(released, revoked) } : {}),
    correlation_id: order.correlation_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    links: orderLinks(order.order_id),
  };
}

/** A release wins over the reservation it undid; an order that never got stock stays REJECTED. */
function stockState(order: OrderItem): StockState | 'RELEASED' {
  if (order.released_lines === undefined || order.stock === 'REJECTED') return order.stock;
  return 'RELEASED';
}

function compensationsView(released: OrderItem['released_lines'], revoked: number | undefined) {
  const stock: Compensation<{ released: NonNullable<OrderItem['released_lines']> }> = released === undefined ? { state: 'PENDING' } : { state: 'DONE', released };
  const points: Compensation<{ revoked: number }> = revoked === undefined ? { state: 'PENDING' } : { state: 'DONE', revoked };
  return { stock, points };
}
