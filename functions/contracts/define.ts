import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { EVENT_ID_PATTERN } from './event-id.js';
import { id } from './fields.js';
import { TRACEPARENT_PATTERN } from './trace-context.js';

// zod/mini ships without messages; English ones make every rejection readable in logs and DLQ reasons.
z.config(en());

/**
 * What `defineEvent` accepts as a detail-type: `<entity>.<action>.v<N>`, snake_case parts; the groups
 * are the entity, the action and the version. For checking a name before it reaches `defineEvent`.
 *
 * @example
 * const [, entity, action, version] = DETAIL_TYPE_PATTERN.exec('order.created.v1')!; // 'order', 'created', '1'
 */
export const DETAIL_TYPE_PATTERN = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.v([1-9][0-9]*)$/;
/**
 * What `defineEvent` accepts as an event source: `<org>.<domain>`, lower-case.
 *
 * @example
 * SOURCE_PATTERN.test('acme.shipping'); // true
 * SOURCE_PATTERN.test('Shipping'); // false
 */
export const SOURCE_PATTERN = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;

/** Metadata every `detail` carries beside its payload. */
const metadata = (version: number) => ({
  event_id: z.string().check(z.regex(EVENT_ID_PATTERN)),
  occurred_at: z.iso.datetime(),
  version: z.literal(version),
  correlation_id: id(),
  causation_id: z.optional(id()),
  // W3C trace context of the work that produced the event: it survives the outbox, archive replays and
  // redrives, which carry no trace header of their own (docs/ARCHITECTURE.md § Observability).
  traceparent: z.optional(z.string().check(z.regex(TRACEPARENT_PATTERN))),
});

type Metadata = ReturnType<typeof metadata>;
/**
 * The metadata fields of every courier `detail` (event_id, occurred_at, version, correlation_id and the
 * optional causation_id and traceparent), as a type: what a test overrides in `courierDetail`.
 */
export type MetadataFields = z.infer<z.ZodMiniObject<Metadata>>;

/** One reason a value does not match its contract: where, and what is wrong there. */
export interface ContractIssue {
  /** `lines[0].qty`; empty for the whole value. */
  path: string;
  /** zod's English message, e.g. `Too small: expected number to be >=1`. */
  message: string;
}

/**
 * A value that does not match its contract, with every offending path. The consumer runtime treats it
 * as permanent (the record goes to the DLQ at once); the publisher reports it as a failed publish that
 * is not retryable.
 *
 * @example
 * const parsed = OrderCreatedV1.parse(detail);
 * if (!parsed.ok) log.warn('invalid order', { issues: parsed.error.issues }); // [{ path: 'lines[0].qty', message: '…' }]
 * // a handler refusing a detail by its own rules: quarantined at once, the path in the DLQ reason
 * throw new ContractViolation('order.created.v1', [{ path: 'lines', message: 'no lines' }]);
 */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
  constructor(
    readonly detailType: string,
    readonly issues: ContractIssue[],
  ) {
    super(`${detailType}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

/** The outcome of checking a value against a contract: the typed value, or the violation; never a throw. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ContractViolation };

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/**
 * Runs a zod schema and turns its issues into a ContractViolation naming each path: for checking values
 * that are not event details (a request body, a stored record) with the same errors as a contract.
 *
 * @example
 * const ShipmentRequest = z.object({ order_id: id(), carrier: text(32) });
 * const parsed = parseWith(ShipmentRequest, 'shipment request', JSON.parse(body));
 * if (!parsed.ok) return { status: 400, body: { error: parsed.error.message } };
 */
export function parseWith<T>(schema: z.ZodMiniType<T>, label: string, input: unknown): ParseResult<T> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  return { ok: false, error: new ContractViolation(label, issues) };
}

/**
 * A courier event version: `<entity>.<action>.v<N>` from `<org>.<domain>`, whose `detail` carries the
 * metadata (event_id, occurred_at, version, correlation_id, causation_id, traceparent) beside its payload.
 */
export interface EventDefinition<P extends z.core.$ZodLooseShape = z.core.$ZodLooseShape, DT extends string = string> {
  /** Discriminates courier events from foreign ones (see `foreignEvent`). */
  readonly kind: 'courier';
  readonly source: string;
  readonly detailType: DT;
  readonly entity: string;
  readonly action: string;
  readonly version: number;
  readonly description: string;
  /** Strict schema of the whole `detail`: metadata + payload, unknown keys rejected. */
  readonly schema: z.ZodMiniObject<Metadata & P, z.core.$strict>;
  /** The payload alone (what a producer supplies; the publisher adds the metadata). */
  readonly payload: z.ZodMiniObject<P, z.core.$strict>;
  parse(detail: unknown): ParseResult<z.infer<z.ZodMiniObject<Metadata & P>>>;
}

/** The typed `detail` of an event definition. */
export type DetailOf<E extends EventDefinition<any, any>> = z.infer<E['schema']>;
/** What a producer supplies for an event definition. */
export type PayloadOf<E extends EventDefinition<any, any>> = z.infer<E['payload']>;

/**
 * Declares one event version. The name is checked (`<entity>.<action>.v<N>`, source `<org>.<domain>`);
 * the detail schema is strict (unknown fields are rejected) and carries the metadata every courier
 * event has. The detail-type stays a literal type, so consumers of several events get a discriminated
 * union.
 *
 * @example
 * export const ShipmentDispatchedV1 = defineEvent({
 *   source: 'acme.shipping',
 *   detailType: 'shipment.dispatched.v1',
 *   description: 'A parcel left the warehouse.',
 *   payload: { shipment_id: id(), order_id: id() },
 * });
 */
export function defineEvent<P extends z.core.$ZodLooseShape, const DT extends string>(spec: {
  source: string;
  detailType: DT;
  description: string;
  payload: P;
}): EventDefinition<P, DT> {
  const match = DETAIL_TYPE_PATTERN.exec(spec.detailType);
  if (!match) throw new Error(`detail-type "${spec.detailType}" is not <entity>.<action>.v<N>`);
  if (!SOURCE_PATTERN.test(spec.source)) throw new Error(`source "${spec.source}" is not <org>.<domain>`);
  const version = Number(match[3]);
  const schema = z.strictObject({ ...metadata(version), ...spec.payload });
  return {
    kind: 'courier',
    source: spec.source,
    detailType: spec.detailType,
    entity: match[1]!,
    action: match[2]!,
    version,
    description: spec.description,
    schema,
    payload: z.strictObject(spec.payload),
    parse: (detail) => parseWith(schema, spec.detailType, detail),
  };
}
