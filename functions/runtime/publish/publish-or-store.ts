import type { FailedMessageStore } from './failed-message-store.js';
import type { OutgoingEvent } from './outgoing.js';
import type { Publisher } from './publisher.js';

/** Where one event ended up after `publishOrStore`: on the bus, in the failed-message table, or only in the logs. */
export interface KeptEvent {
  /** Absent only when the event could not even be built. */
  eventId?: string;
  /** `stored`: in the failed-message table, retried in the background; `parked`: kept there, needs an operator; `lost`: only in the logs. */
  outcome: 'published' | 'stored' | 'parked' | 'lost';
}

/**
 * A publisher that never loses an event it was given and never fails the request that gave it: what
 * EventBridge refuses is kept in the failed-message table and retried by the retrier. For request
 * handlers whose state is already written (otherwise use the outbox).
 */
export interface ReliablePublisher {
  /** Publishes within the publisher's own deadline and keeps every failure in the failed-message table. Never rejects. */
  publishOrStore(events: readonly OutgoingEvent[]): Promise<KeptEvent[]>;
  /** Starts `publishOrStore` without waiting for it; `drain()` before the invocation returns (a frozen container runs nothing). */
  publishLater(events: readonly OutgoingEvent[]): void;
  /** Waits for everything started by `publishLater`. Never rejects. */
  drain(): Promise<void>;
}

/**
 * A ReliablePublisher over an explicit publisher and failed-message store (`reliablePublisherFromEnv`
 * builds both from the environment the constructs set).
 *
 * @example
 * const reliable = createReliablePublisher({
 *   publisher: createPublisher({ busName: 'courier-bus' }),
 *   store: createFailedMessageStore({ tableName: 'shipping-failed-messages' }),
 * });
 * const [kept] = await reliable.publishOrStore([outgoing(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' })]);
 */
export function createReliablePublisher(deps: { publisher: Publisher; store: FailedMessageStore }): ReliablePublisher {
  const { publisher, store } = deps;
  const { logger, metrics } = publisher;
  const inFlight = new Set<Promise<unknown>>();

  async function publishOrStore(events: readonly OutgoingEvent[]): Promise<KeptEvent[]> {
    try {
      const results = await publisher.publish(events);
      return await Promise.all(
        results.map(async (r): Promise<KeptEvent> => {
          if (r.status === 'published') return { eventId: r.eventId, outcome: 'published' };
          try {
            const status = await store.keep(r);
            if (status === 'PARKED') {
              metrics.add('parked', 'Count');
              logger.error('publish failed permanently; parked in the failed-message table', { event_id: r.eventId, code: r.code, error: r.message });
            }
            return { eventId: r.eventId, outcome: status === 'DUE' ? 'stored' : 'parked' };
          } catch (error) {
            // Last resort: the whole entry goes to the log so an operator can still replay it.
            logger.error('event lost: publish and failed-message store both failed', { event_id: r.eventId, entry: r.entry, publish_error: r.message, error });
            return { eventId: r.eventId, outcome: 'lost' };
          }
        }),
      );
    } catch (error) {
      logger.error('event lost: publisher threw', { detail_types: events.map((e) => e.event.detailType), payloads: events.map((e) => e.payload), error });
      return events.map(() => ({ outcome: 'lost' }));
    } finally {
      metrics.flush();
    }
  }

  return {
    publishOrStore,
    publishLater(events) {
      const running = publishOrStore(events).finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async drain() {
      await Promise.all(inFlight);
    },
  };
}
