import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventBridgeClient } from '../support/aws-clients.js';
import { systemClock, type BackoffPolicy, type Clock } from '../support/backoff.js';
import { asLogger, createLogger, type Logger, type LogMethods } from '../support/log.js';
import { Metrics } from '../support/metrics.js';
import { buildEvent, type OutgoingEvent, type StoredEntry } from './outgoing.js';
import { ENV, METRICS } from '../../contracts/conventions.js';
import { sendEntries } from './put-events.js';
import { traceIdOfEntry, withTraceHeader } from './trace-header.js';

/**
 * What became of one event a publisher was given: published (with the entry as sent and the calls it
 * took), or failed with EventBridge's error code and whether a later retry may succeed.
 */
export type PublishResult =
  | { status: 'published'; eventId: string; entry: PutEventsRequestEntry; attempts: number }
  | { status: 'failed'; eventId: string; entry: PutEventsRequestEntry; code: string; message: string; retryable: boolean; attempts: number };

/** A failed PublishResult: what `FailedMessageStore.keep` takes to retry it in the background. */
export type PublishFailure = Extract<PublishResult, { status: 'failed' }>;

/**
 * In-call retry schedule: full jitter from 50 ms doubling to a 1 s cap, at most 6 calls per entry, all
 * within 2 s. Short on purpose: whatever still fails is kept and retried in the background.
 */
export const PUBLISH_DEFAULTS = {
  backoff: { baseMs: 50, capMs: 1_000 } satisfies BackoffPolicy,
  maxAttempts: 6,
  deadlineMs: 2_000,
  concurrency: 4,
};

/** How `createPublisher` sends: the bus, and the in-call retry schedule and its budget. */
export interface PublisherOptions {
  /** Name or ARN of the event bus. */
  busName: string;
  /** @default - courier's shared EventBridge client (`eventBridgeClient()`) */
  client?: EventBridgeClient;
  /** @default systemClock */
  clock?: Clock;
  /** Delay between in-call retries of the entries that failed retryably. @default { baseMs: 50, capMs: 1000 } */
  backoff?: BackoffPolicy;
  /** PutEvents calls per entry, the first included. @default 6 */
  maxAttempts?: number;
  /** The publisher's own budget per publish call, independent of the caller's request deadline. @default 2000 */
  deadlineMs?: number;
  /** PutEvents calls in flight at once (an event list over 10 entries or 256 KB takes several). @default 4 */
  concurrency?: number;
  /** Metrics dimension `service`; defaults to SERVICE_NAME. */
  service?: string;
  /** @default - a Metrics with dimension `service` */
  metrics?: Metrics;
  /** Any logger with debug/info/warn/error (a Powertools Logger works). @default - courier's JSON logger */
  logger?: LogMethods;
}

/**
 * Typed PutEvents with per-entry retry within a short deadline; what fails after it is reported, not
 * thrown. Usually wrapped by a ReliablePublisher, which keeps those failures.
 */
export interface Publisher {
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Validates, fills the metadata and publishes; one result per event, in order. Never throws per event. */
  publish(events: readonly OutgoingEvent[]): Promise<PublishResult[]>;
  /** Publishes already-built entries as they are (outbox rows, failed messages): their event_id is kept. */
  publishStored(entries: readonly StoredEntry[]): Promise<PublishResult[]>;
}

/**
 * A publisher on one bus, configured explicitly (`publisherFromEnv` reads the bus from the environment
 * the constructs set). For scripts, tests and publishers on a bus of their own.
 *
 * @example
 * const publisher = createPublisher({ busName: 'courier-bus', service: 'shipping' });
 * const [result] = await publisher.publish([outgoing(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' })]);
 * if (result!.status === 'failed') console.error(result!.code, result!.message);
 */
export function createPublisher(options: PublisherOptions): Publisher {
  const clock = options.clock ?? systemClock;
  const service = options.service ?? process.env[ENV.serviceName] ?? 'unknown';
  const metrics = options.metrics ?? new Metrics({ service });
  const logger = options.logger ? asLogger(options.logger).child({ component: 'publisher' }) : createLogger({ component: 'publisher' }, undefined, { service });
  const send = {
    client: options.client ?? eventBridgeClient(),
    busName: options.busName,
    clock,
    backoff: options.backoff ?? PUBLISH_DEFAULTS.backoff,
    maxAttempts: options.maxAttempts ?? PUBLISH_DEFAULTS.maxAttempts,
    deadlineMs: options.deadlineMs ?? PUBLISH_DEFAULTS.deadlineMs,
    concurrency: options.concurrency ?? PUBLISH_DEFAULTS.concurrency,
  };

  async function publishStored(stored: readonly StoredEntry[]): Promise<PublishResult[]> {
    if (stored.length === 0) return [];
    // rows from the outbox or the failed-message store carry their trace in the detail only
    const entries = stored.map((s) => withTraceHeader(s.entry));
    const sent = await sendEntries(entries, send);
    const results = sent.map((r, i): PublishResult => ({ ...r, eventId: stored[i]!.eventId, entry: entries[i]! }));
    report(results);
    return results;
  }

  async function publish(events: readonly OutgoingEvent[]): Promise<PublishResult[]> {
    const now = clock.now();
    const built = events.map((e) => buildEvent(e, now));
    const valid = built.flatMap((b) => (b.ok ? [b.value] : []));
    const sent = valid.length > 0 ? await publishStored(valid) : [];
    let next = 0;
    const results = built.map((b): PublishResult =>
      b.ok
        ? sent[next++]!
        : { status: 'failed', ...b.value, code: 'ContractViolation', message: b.error.message, retryable: false, attempts: 0 },
    );
    const invalid = results.filter((r) => r.status === 'failed' && r.code === 'ContractViolation');
    if (invalid.length > 0) report(invalid);
    return results;
  }

  function report(results: readonly PublishResult[]): void {
    let published = 0;
    for (const r of results) {
      // one line per event, on the trace of the work that produced it (not the publishing invocation's)
      const traceId = traceIdOfEntry(r.entry);
      const about = { event_id: r.eventId, detail_type: r.entry.DetailType, ...(traceId ? { xray_trace_id: traceId } : {}) };
      if (r.status === 'published') {
        published += 1;
        logger.info('event published', { ...about, attempts: r.attempts });
      } else logger.warn('publish failed', { ...about, code: r.code, error: r.message, retryable: r.retryable, attempts: r.attempts });
    }
    metrics.add(METRICS.published, 'Count', published);
    metrics.add(METRICS.publishFailed, 'Count', results.length - published);
    metrics.flush();
  }

  return { clock, metrics, logger, publish, publishStored };
}
