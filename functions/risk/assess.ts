import { derivedEventId, type DetailOf } from 'courier/contracts';
import type { OrderCreatedV1 } from '../events/orders';
import { RiskAssessedV1 } from '../events/risk';
import { outgoing, type OutgoingEvent } from 'courier/runtime';
import { scoreOrder } from './score';

/**
 * The risk.assessed.v1 reply to an order: same correlation, caused by the order's event. Its event_id is
 * derived from the order's, so assessing the same order event twice (risk keeps no state: a crash or a
 * throttled completion lets a redelivery run again) announces the same event, which consumers dedupe.
 */
export function assessment(order: DetailOf<typeof OrderCreatedV1>): OutgoingEvent<typeof RiskAssessedV1> {
  const { score, decision } = scoreOrder(order);
  const meta = { correlationId: order.correlation_id, causationId: order.event_id, eventId: derivedEventId(order.event_id, RiskAssessedV1.detailType) };
  return outgoing(RiskAssessedV1, { order_id: order.order_id, score, decision }, meta);
}
