import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { eventBridgeClient } from '../support/aws-clients.js';
import { systemClock, type BackoffPolicy, type Clock } from '../support/backoff.js';
import { createLogger, type Logger } from '../support/log.js';
import { Metrics } from '../support/metrics.js';
import { buildEvent, type OutgoingEvent, type StoredEntry } from './outgoing.js';
import { ENV } from '../../contracts/conventions.js';
import { sendEntries } from './put-events.js';

export type PublishResult =
  | { status: 'published'; eventId: string; entry: PutEventsRequestEntry; attempts: number }
  | { status: 'failed'; eventId: string; entry: PutEventsRequestEntry; code: string; message: string; retryable: boolean; attempts: number };

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

export interface PublisherOptions {
  busName: string;
  client?: EventBridgeClient;
  clock?: Clock;
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  /** The publisher's own budget per publish call, independent of the caller's request deadline. */
  deadlineMs?: number;
  concurrency?: number;
  /** Metrics dimension `service`; defaults to SERVICE_NAME. */
  service?: string;
  metrics?: Metrics;
  logger?: Logger;
}

export interface Publisher {
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Validates, fills the metadata and publishes; one result per event, in order. Never throws per event. */
  publish(events: readonly OutgoingEvent[]): Promise<PublishResult[]>;
  /** Publishes already-built entries as they are (outbox rows, failed messages): their event_id is kept. */
  publishStored(entries: readonly StoredEntry[]): Promise<PublishResult[]>;
}

export function createPublisher(options: PublisherOptions): Publisher {
  const clock = options.clock ?? systemClock;
  const service = options.service ?? process.env[ENV.serviceName] ?? 'unknown';
  const metrics = options.metrics ?? new Metrics({ service });
  const logger = options.logger ?? createLogger({ service, component: 'publisher' });
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
    const sent = await sendEntries(stored.map((s) => s.entry), send);
    const results = sent.map((r, i): PublishResult => ({ ...r, eventId: stored[i]!.eventId, entry: stored[i]!.entry }));
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
      if (r.status === 'published') published += 1;
      else logger.warn('publish failed', { event_id: r.eventId, detail_type: r.entry.DetailType, code: r.code, error: r.message, retryable: r.retryable, attempts: r.attempts });
    }
    metrics.add('published', 'Count', published);
    metrics.add('publish_failed', 'Count', results.length - published);
    metrics.flush();
  }

  return { clock, metrics, logger, publish, publishStored };
}
