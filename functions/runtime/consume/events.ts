import type { ConsumableEvent, DetailOf, EventDefinition, EventEnvelope, ForeignEventDefinition } from '../../contracts/index.js';

/** The `detail` a consumer receives for one declared event. */
export type DetailOfEvent<E extends ConsumableEvent> =
  E extends EventDefinition<any, any> ? DetailOf<E> : E extends ForeignEventDefinition<infer D, any> ? D : never;

/** One declared event as the handler receives it: the envelope with its literal detail-type and typed detail. */
export type ConsumedEventOf<E extends ConsumableEvent> = E extends ConsumableEvent ? EventEnvelope<DetailOfEvent<E>, E['detailType']> : never;

/**
 * What a consumer of `E` receives: a union discriminated by `detailType`, so
 * `if (event.detailType === 'order.created.v1')` narrows `event.detail` without casts.
 */
export type EventOf<E extends readonly ConsumableEvent[]> = ConsumedEventOf<E[number]>;

/** The detail-types a consumer of `E` declares. */
export type DetailTypeOf<E extends readonly ConsumableEvent[]> = E[number]['detailType'];

/** The event of one declared detail-type. */
export type EventOfType<E extends readonly ConsumableEvent[], K extends DetailTypeOf<E>> = Extract<EventOf<E>, { detailType: K }>;

/** A consumed event before its type is narrowed (inside the runtime). */
export type AnyConsumedEvent = EventEnvelope<unknown, string>;

/**
 * The declared events by detail-type. Refuses, at construction, a consumer with no events or with one
 * detail-type declared twice (two schemas for one name: which one would decode it?).
 */
export function declaredEvents(events: readonly ConsumableEvent[] | undefined, who: string): ReadonlyMap<string, ConsumableEvent> {
  if (!events || events.length === 0) throw new Error(`${who}: events must declare at least one event`);
  const byType = new Map<string, ConsumableEvent>();
  for (const event of events) {
    if (byType.has(event.detailType)) throw new Error(`${who}: event ${event.detailType} is declared twice`);
    byType.set(event.detailType, event);
  }
  return byType;
}
