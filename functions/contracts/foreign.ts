import type * as z from 'zod/mini';
import { parseWith, type EventDefinition, type ParseResult } from './define.js';
import type { EventEnvelope } from './envelope.js';

/** EventBridge's own bounds (PutEvents): a detail-type of at most 128 characters, a source of at most 256. */
const MAX_DETAIL_TYPE = 128;
const MAX_SOURCE = 256;

/**
 * An event courier does not own: an AWS service event (`aws.s3` / `Object Created`) or another team's
 * event without courier metadata. Its detail is validated with the schema given (strict or loose, as
 * you choose); it has no `event_id`, so a consumer needs `key` — what identifies one event across
 * redeliveries — unless the consumer gives its own key function.
 */
export interface ForeignEventDefinition<D = unknown, DT extends string = string> {
  readonly kind: 'foreign';
  readonly source: string;
  readonly detailType: DT;
  readonly description: string;
  parse(detail: unknown): ParseResult<D>;
  /** The idempotency key of one event. */
  readonly key?: (event: EventEnvelope<D, DT>) => string;
}

/**
 * Declares a foreign event a consumer can receive. Its name follows no courier rule (only EventBridge's
 * bounds); `key` is required for idempotent consumers unless the consumer passes `idempotency.key`.
 *
 * @example
 * export const ObjectCreated = foreignEvent({
 *   source: 'aws.s3',
 *   detailType: 'Object Created',
 *   detail: z.looseObject({ bucket: z.object({ name: z.string() }), object: z.looseObject({ key: z.string(), sequencer: z.string() }) }),
 *   // S3 sends one sequencer per object version; a redelivery carries the same one.
 *   key: (event) => `${event.detail.bucket.name}/${event.detail.object.key}/${event.detail.object.sequencer}`,
 * });
 */
export function foreignEvent<S extends z.ZodMiniType, const DT extends string>(spec: {
  source: string;
  detailType: DT;
  detail: S;
  description?: string;
  key?: (event: EventEnvelope<z.infer<S>, DT>) => string;
}): ForeignEventDefinition<z.infer<S>, DT> {
  if (!spec.source || spec.source.length > MAX_SOURCE) throw new Error(`foreign event source must be 1–${MAX_SOURCE} characters, got "${spec.source}"`);
  if (!spec.detailType || spec.detailType.length > MAX_DETAIL_TYPE) {
    throw new Error(`foreign event detail-type must be 1–${MAX_DETAIL_TYPE} characters, got "${spec.detailType}"`);
  }
  if (spec.key !== undefined && typeof spec.key !== 'function') throw new Error(`foreign event ${spec.detailType}: key must be a function`);
  return {
    kind: 'foreign',
    source: spec.source,
    detailType: spec.detailType,
    description: spec.description ?? `${spec.detailType} from ${spec.source}`,
    parse: (detail) => parseWith(spec.detail, spec.detailType, detail) as ParseResult<z.infer<S>>,
    ...(spec.key && { key: spec.key }),
  };
}

/** Anything a consumer can declare: a courier event version or a foreign event. */
export type ConsumableEvent = EventDefinition<any, any> | ForeignEventDefinition<any, any>;
