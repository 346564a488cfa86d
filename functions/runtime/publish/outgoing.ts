import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { newEventId, type ContractViolation, type EventDefinition, type PayloadOf } from '../../contracts/index.js';
import { formatTraceparent, formatXRayTraceHeader, type TraceContext } from '../../contracts/trace-context.js';
import { currentTrace } from '../support/trace-scope.js';

/** An event a producer wants to announce: its definition, its payload and where it comes from. */
export interface OutgoingEvent<E extends EventDefinition<any> = EventDefinition<any>> {
  event: E;
  payload: PayloadOf<E>;
  /** Defaults to the new event's own id: the event starts a new chain. */
  correlationId?: string;
  /** The event_id of the event that caused this one. */
  causationId?: string;
  /** A fixed event_id (see `derivedEventId`) instead of a new one: a re-run then announces the same event. */
  eventId?: string;
}

/**
 * An event to publish, with its payload checked against the definition at compile time (the detail is
 * validated again at runtime when it is built). `meta` links it to what caused it.
 *
 * @example
 * const event = outgoing(OrderCancelledV1, { order_id: 'o-1', user_id: 'u-1', reason: 'changed my mind' }, { correlationId: order.correlation_id });
 * await transactWithOutbox({ outboxTable: OUTBOX_TABLE, items: [update], events: [event] });
 */
export function outgoing<E extends EventDefinition<any>>(
  event: E,
  payload: PayloadOf<E>,
  meta: { correlationId?: string; causationId?: string; eventId?: string } = {},
): OutgoingEvent<E> {
  return { event, payload, ...meta };
}

/**
 * A built event as it is sent, stored and resent: the PutEvents entry (no bus name; the sender adds its
 * own) and the event_id inside its detail, which never changes from here on.
 */
export interface StoredEntry {
  eventId: string;
  entry: PutEventsRequestEntry;
}

/** The outcome of `buildEvent`: the entry to send, or (still rendered, for the operator) the entry and why its detail is invalid. */
export type BuiltEvent = { ok: true; value: StoredEntry } | { ok: false; value: StoredEntry; error: ContractViolation };

/**
 * Fills the metadata, validates the whole detail against its contract and renders the entry. The
 * current trace (a consumer's record, or the invocation's) becomes the detail's `traceparent` and the
 * entry's `TraceHeader`, so the event continues the trace of the work that produced it. Publishers and
 * outbox writes call it; call it yourself to send entries with a client of your own.
 *
 * @example
 * const built = buildEvent(outgoing(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' }), Date.now());
 * if (!built.ok) throw built.error;
 * await client.send(new PutEventsCommand({ Entries: [{ ...built.value.entry, EventBusName: 'courier-bus' }] }));
 */
export function buildEvent(out: OutgoingEvent, now: number, trace: TraceContext | undefined = currentTrace()): BuiltEvent {
  const eventId = out.eventId ?? newEventId(now);
  const detail = {
    ...(out.payload as object),
    // metadata last: a payload can never override the producer-assigned id
    event_id: eventId,
    occurred_at: new Date(now).toISOString(),
    version: out.event.version,
    correlation_id: out.correlationId ?? eventId,
    ...(out.causationId === undefined ? {} : { causation_id: out.causationId }),
    ...(trace === undefined ? {} : { traceparent: formatTraceparent(trace) }),
  };
  const parsed = out.event.parse(detail);
  const entry: PutEventsRequestEntry = {
    Source: out.event.source,
    DetailType: out.event.detailType,
    Detail: parsed.ok ? JSON.stringify(parsed.value) : renderInvalid(detail),
    ...(trace === undefined ? {} : { TraceHeader: formatXRayTraceHeader(trace) }),
  };
  return parsed.ok ? { ok: true, value: { eventId, entry } } : { ok: false, value: { eventId, entry }, error: parsed.error };
}

/** An invalid detail is still kept for the operator; values JSON cannot hold (bigint, cycles) must not throw. */
function renderInvalid(detail: object): string {
  try {
    return JSON.stringify(detail, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return String(detail);
  }
}
