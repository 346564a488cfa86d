import type { OrderItem } from './order-record';

export const orderLinks = (orderId: string) => ({ self: `/orders/${orderId}` });

/** `GET /orders/{id}`: the order as placed and its progress as the reply events reported it. */
export function orderView(order: OrderItem) {
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
        state: order.stock,
        ...(order.stock_reason === undefined ? {} : { reason: order.stock_reason }),
        ...(order.rejected_skus === undefined ? {} : { skus: order.rejected_skus }),
      },
      risk: order.risk_decision === undefined ? null : { score: order.risk_score, decision: order.risk_decision },
      points: order.points ?? null,
    },
    correlation_id: order.correlation_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    links: orderLinks(order.order_id),
  };
}
