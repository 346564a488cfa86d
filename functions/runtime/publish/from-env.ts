import { requiredEnv } from '../support/env.js';
import { createFailedMessageStore } from './failed-message-store.js';
import { createPublisher } from './publisher.js';
import { createReliablePublisher } from './publish-or-store.js';

/**
 * A publisher on the bus named by `EVENT_BUS_NAME`.
 * @example
 * const publisher = publisherFromEnv();
 * await publisher.publish([outgoing(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' })]);
 */
export const publisherFromEnv = () => createPublisher({ busName: requiredEnv('EVENT_BUS_NAME') });

/**
 * The failed-message store named by `FAILED_MESSAGE_TABLE`.
 * @example
 * const store = failedMessageStoreFromEnv();
 */
export const failedMessageStoreFromEnv = () => createFailedMessageStore({ tableName: requiredEnv('FAILED_MESSAGE_TABLE') });

/**
 * For request handlers: publishOrStore / publishLater backed by `EVENT_BUS_NAME` and `FAILED_MESSAGE_TABLE`.
 * @example
 * const publisher = reliablePublisherFromEnv();
 * const [kept] = await publisher.publishOrStore([outgoing(UserLoginSucceededV1, login)]);
 */
export const reliablePublisherFromEnv = () => createReliablePublisher({ publisher: publisherFromEnv(), store: failedMessageStoreFromEnv() });
