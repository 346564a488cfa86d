import type { DetailOf } from '../events/define';
import type { OrderCreatedV1 } from '../events/orders';
import { RiskAssessedV1 } from '../events/risk';
import { outgoing, type OutgoingEvent } from '../runtime/outgoing';
import { scoreOrder } from './score';

/** The risk.assessed.v1 reply to an order: same correlation, caused by the order's event. */
export function assessment(order: DetailOf<typeof OrderCreatedV1>): OutgoingEvent<typeof RiskAssessedV1> {
  const { score, decision } = scoreOrder(order);
  return outgoing(RiskAssessedV1, { order_id: order.order_id, score, decision }, { correlationId: order.correlation_id, causationId: order.event_id });
}
