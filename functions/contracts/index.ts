/**
 * `courier/contracts`: typed, versioned event contracts and what is generated from them.
 *
 * @example
 * import { defineEvent, id } from 'courier/contracts';
 * export const ShipmentDispatchedV1 = defineEvent({
 *   source: 'acme.shipping',
 *   detailType: 'shipment.dispatched.v1',
 *   description: 'A parcel left the warehouse.',
 *   payload: { shipment_id: id(), order_id: id() },
 * });
 */
export * from './define.js';
export * from './envelope.js';
export * from './foreign.js';
export * from './json-schema.js';
export * from './event-id.js';
export * from './fields.js';
export * from './services.js';
export * from './asyncapi.js';
export * from './compatibility.js';
export * from './conventions.js';
export * from './render.js';
export * from './api-auth.js';
export * from './trace-context.js';
