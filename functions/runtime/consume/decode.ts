import * as z from 'zod/mini';
import { ContractViolation, DETAIL_TYPE_PATTERN, type ConsumableEvent } from '../../contracts/index.js';
import { MalformedJson, NotAnEventBridgeEvent, UnexpectedDetailType, UnknownDetailType } from './errors.js';
import type { AnyConsumedEvent } from './events.js';

// Only what the runtime relies on; EventBridge adds version, replay-name… which pass through unread.
const envelope = z.object({
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  time: z.string(),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.record(z.string(), z.unknown()),
  /** Set by EventBridge on events replayed from an archive. */
  'replay-name': z.optional(z.string()),
});

/** What could be read from a record, for logs and DLQ attributes (also when it failed to decode). */
export interface KnownFields {
  detailType?: string;
  eventId?: string;
  correlationId?: string;
  /** The archive replay that re-sent this event, when it is one. */
  replayName?: string;
}

export type Decoded =
  | { ok: true; event: AnyConsumedEvent; definition: ConsumableEvent; known: KnownFields }
  | { ok: false; error: Error; known: KnownFields };

/**
 * Step 1 of a record, decode: SQS body → EventBridge envelope → `detail` validated against the
 * consumer's own declared event. Every failure here is permanent (the same bytes give the same answer)
 * and carries its own error class.
 */
export function decode(body: string, declared: ReadonlyMap<string, ConsumableEvent>): Decoded {
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
  const { 'detail-type': detailType, detail, 'replay-name': replayName, ...rest } = shape.data;
  const known = { ...knownFields(detailType, detail), ...(replayName !== undefined && { replayName }) };
  const definition = declared.get(detailType);
  if (!definition) return { ok: false, error: undeclared(detailType, declared), known };
  if (rest.source !== definition.source) {
    const issue = { path: 'source', message: `expected "${definition.source}", got "${rest.source}"` };
    return { ok: false, error: new ContractViolation(detailType, [issue]), known };
  }
  const parsed = definition.parse(detail);
  if (!parsed.ok) return { ok: false, error: parsed.error, known };
  return { ok: true, event: { ...rest, detailType, detail: parsed.value }, definition, known };
}

/** Courier metadata when the detail carries it (foreign events usually do not). */
function knownFields(detailType: string, detail: Record<string, unknown>): KnownFields {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { detailType, eventId: text(detail.event_id), correlationId: text(detail.correlation_id) };
}

/**
 * A detail-type the consumer did not declare. Without a catalog the consumer tells two cases apart by
 * name: another version or action of an entity it consumes (or no courier name at all) is most likely
 * a producer ahead of it — UnknownDetailType; a well-formed event of an entity it does not consume at
 * all is a routing mistake — UnexpectedDetailType.
 */
function undeclared(detailType: string, declared: ReadonlyMap<string, ConsumableEvent>): Error {
  const entity = DETAIL_TYPE_PATTERN.exec(detailType)?.[1];
  const names = [...declared.keys()].join(', ');
  const ownEntity = [...declared.values()].some((e) => e.kind === 'courier' && e.entity === entity);
  return entity === undefined || ownEntity
    ? new UnknownDetailType(`unknown detail-type "${detailType}": not one of ${names}`)
    : new UnexpectedDetailType(`"${detailType}" is not consumed here (declared: ${names})`);
}
