import * as z from 'zod/mini';
import { ContractViolation, DETAIL_TYPE_PATTERN, type DetailOf, type EventDefinition } from '../../contracts/define.js';
import { MalformedJson, NotAnEventBridgeEvent, UnexpectedDetailType, UnknownDetailType } from './errors.js';

/** An EventBridge event whose `detail` passed its contract. */
export interface ConsumedEvent<D = unknown> {
  /** EventBridge's id: changes when an entry is re-sent, so it is not an idempotency key. */
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: D;
}

/** The typed event a consumer of `E` receives: `detail` is the union of the declared events' details. */
export type EventOf<E extends readonly EventDefinition<any>[]> = ConsumedEvent<DetailOf<E[number]>>;

// Only what the runtime relies on; EventBridge adds account, region, resources… which pass through.
const envelope = z.object({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/** What could be read from a record before it failed, for logs and DLQ attributes. */
export interface KnownFields {
  detailType?: string;
  eventId?: string;
  correlationId?: string;
}

export type Decoded<D> = { ok: true; event: ConsumedEvent<D> } | { ok: false; error: Error; known: KnownFields };

/**
 * SQS body → EventBridge envelope → `detail` validated against the consumer's own declared events.
 * Every failure here is permanent (retrying the same bytes gives the same answer) and carries its own
 * error class.
 */
export function decode<D>(body: string, declared: ReadonlyMap<string, EventDefinition>): Decoded<D> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: new MalformedJson(`body is not JSON: ${(e as Error).message}`), known: {} };
  }
  const shape = envelope.safeParse(json);
  if (!shape.success) {
    const fields = shape.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    return { ok: false, error: new NotAnEventBridgeEvent(`not an EventBridge event: ${fields}`), known: {} };
  }
  const raw = shape.data;
  const detailType = raw['detail-type'];
  const known: KnownFields = {
    detailType,
    eventId: typeof raw.detail.event_id === 'string' ? raw.detail.event_id : undefined,
    correlationId: typeof raw.detail.correlation_id === 'string' ? raw.detail.correlation_id : undefined,
  };
  const definition = declared.get(detailType);
  if (!definition) return { ok: false, error: undeclared(detailType, declared), known };
  if (raw.source !== definition.source) {
    const issue = { path: 'source', message: `expected "${definition.source}", got "${raw.source}"` };
    return { ok: false, error: new ContractViolation(detailType, [issue]), known };
  }
  const parsed = definition.parse(raw.detail);
  if (!parsed.ok) return { ok: false, error: parsed.error, known };
  return { ok: true, event: { id: raw.id, source: raw.source, detailType, time: raw.time, detail: parsed.value as D } };
}

/**
 * A detail-type the consumer did not declare. Without a catalog the consumer tells two cases apart by
 * name: another version or action of an entity it consumes (or no valid name at all) is most likely a
 * producer ahead of it — UnknownDetailType; a well-formed event of an entity it does not consume at all
 * is a routing mistake — UnexpectedDetailType.
 */
function undeclared(detailType: string, declared: ReadonlyMap<string, EventDefinition>): Error {
  const entity = DETAIL_TYPE_PATTERN.exec(detailType)?.[1];
  const ownEntity = entity !== undefined && [...declared.values()].some((e) => e.entity === entity);
  return entity === undefined || ownEntity
    ? new UnknownDetailType(`unknown detail-type "${detailType}": not one of ${[...declared.keys()].join(', ')}`)
    : new UnexpectedDetailType(`"${detailType}" is not consumed here (declared: ${[...declared.keys()].join(', ')})`);
}
