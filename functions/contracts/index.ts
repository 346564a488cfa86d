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
export {
  ContractViolation,
  defineEvent,
  DETAIL_TYPE_PATTERN,
  parseWith,
  SOURCE_PATTERN,
  type ContractIssue,
  type DetailOf,
  type EventDefinition,
  type MetadataFields,
  type ParseResult,
  type PayloadOf,
} from './define.js';
export * from './envelope.js';
export * from './foreign.js';
export * from './json-schema.js';
export * from './event-id.js';
export * from './fields.js';
export * from './services.js';
export * from './asyncapi.js';
export { checkCompatibility, type PublishedSchemas } from './compatibility.js';
export * from './conventions.js';
export * from './render.js';
export { ON_BEHALF_OF_HEADER, ON_BEHALF_OF_PERMISSION, permissionRoleOutputKey, type ApiAuthMode } from './api-auth.js';
export {
  formatTraceparent,
  formatXRayTraceHeader,
  parseTraceparent,
  parseXRayTraceHeader,
  traceIdOfDetail,
  xrayTraceId,
  type TraceContext,
} from './trace-context.js';
