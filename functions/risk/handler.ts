import { OrderCreatedV1 } from '../events/orders';
import { consumer, reliablePublisherFromEnv } from 'courier/runtime';
import { assessment } from './assess';

/**
 * risk-assess: scores each order.created.v1 and publishes risk.assessed.v1 straight to the bus. Risk keeps
 * no state, so there is no transaction to join an outbox to: a publish that fails is kept in the
 * failed-message table and retried in the background. Only a `lost` event (neither published nor
 * stored) fails the record, so SQS redelivers it. The score is deterministic, so a redelivery announces
 * the same decision. Env: EVENT_BUS_NAME, FAILED_MESSAGE_TABLE, IDEMPOTENCY_TABLE (+ conventions).
 */
const publisher = reliablePublisherFromEnv();

export const handler = consumer({
  events: [OrderCreatedV1],
  handle: async ({ detail }) => {
    const [kept] = await publisher.publishOrStore([assessment(detail)]);
    if (kept?.outcome === 'lost') throw new Error(`risk.assessed.v1 for order ${detail.order_id} was neither published nor stored`);
  },
});
