import { ENV } from '../../contracts/conventions.js';
import { positiveIntEnv, requiredEnv } from '../support/env.js';
import { withInvocation, type LambdaContextLike } from '../support/invocation.js';
import { DEFAULT_MAX_ATTEMPTS, retryFailedMessages } from './failed-message-retrier.js';
import { createFailedMessageStore } from './failed-message-store.js';
import { createPublisher } from './publisher.js';
import { createReliablePublisher } from './publish-or-store.js';

/**
 * A publisher on the bus named by `EVENT_BUS_NAME`.
 * @example
 * const publisher = publisherFromEnv();
 * await publisher.publish([outgoing(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' })]);
 */
export const publisherFromEnv = () => createPublisher({ busName: requiredEnv(ENV.eventBusName) });

/**
 * The failed-message store named by `FAILED_MESSAGE_TABLE`.
 * @example
 * const store = failedMessageStoreFromEnv();
 */
export const failedMessageStoreFromEnv = () => createFailedMessageStore({ tableName: requiredEnv(ENV.failedMessageTable) });

/**
 * For request handlers: publishOrStore / publishLater backed by `EVENT_BUS_NAME` and `FAILED_MESSAGE_TABLE`.
 * @example
 * const publisher = reliablePublisherFromEnv();
 * const [kept] = await publisher.publishOrStore([outgoing(UserLoginSucceededV1, login)]);
 */
export const reliablePublisherFromEnv = () => createReliablePublisher({ publisher: publisherFromEnv(), store: failedMessageStoreFromEnv() });

/**
 * The failed-message retrier's Lambda handler (scheduled), configured from `FAILED_MESSAGE_TABLE`,
 * `EVENT_BUS_NAME`, `SERVICE_NAME` and `MAX_ATTEMPTS` (default 8). Courier ships it prebuilt.
 * @example
 * export const handler = failedMessageRetrierFromEnv();
 */
export function failedMessageRetrierFromEnv() {
  const store = failedMessageStoreFromEnv();
  const publisher = publisherFromEnv();
  const maxAttempts = positiveIntEnv(ENV.maxAttempts, DEFAULT_MAX_ATTEMPTS);
  return withInvocation((_event?: unknown, _context?: LambdaContextLike) => retryFailedMessages({ publisher, store, maxAttempts }));
}
