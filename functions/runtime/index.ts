/**
 * `courier/runtime`: everything that runs in Lambda — the consumer, the publisher and publishOrStore,
 * outbox writes, the HTTP helpers, their errors and the shared support pieces.
 *
 * @example
 * import { consumer } from 'courier/runtime';
 * import { ShipmentDispatchedV1 } from './events';
 *
 * export const handler = consumer({
 *   events: [ShipmentDispatchedV1],
 *   handle: async (event, { log }) => log.info('dispatched', { shipment_id: event.detail.shipment_id }),
 * });
 */
export * from './consume/index.js';
export * from './publish/index.js';
export * from './outbox/index.js';
export * from './http/index.js';
export * from './support/index.js';
