import { METRICS } from '../../contracts/conventions.js';
import type { PageCursor } from '../support/dynamo-reads.js';
import { describeFailure } from '../publish/failed-message-store.js';
import type { Publisher, PublishResult } from '../publish/publisher.js';
import { republish } from '../publish/republish.js';
import type { OutboxRow, OutboxTable } from './table.js';

export const DEFAULT_SWEEP_AFTER_SECONDS = 60;
/**
 * Sweeps that may fail to publish a row (retryably) before it is parked: with the default 5-minute sweep,
 * an hour of a bus that keeps refusing it.
 */
export const DEFAULT_OUTBOX_MAX_ATTEMPTS = 12;
/** Rows read and published per page of the pending index. */
const PAGE_SIZE = 100;
/** Rows one run looks at, at most, whatever its time budget. */
const DEFAULT_MAX_ROWS = 5_000;

/** What one sweep did with the rows it found. */
export interface SweepSummary {
  /** Rows old enough and still pending when read. */
  found: number;
  /** Went out and were marked PUBLISHED. */
  published: number;
  /** Failed again, retryably: tried again by the next sweep. */
  failed: number;
  /** Failed permanently, or for the last allowed time: parked (metric `outbox_parked`). */
  parked: number;
  /** Never sent in this run (its publish deadline passed first): untouched, tried by the next sweep. */
  skipped: number;
}

type Outcome = Exclude<keyof SweepSummary, 'found'>;

/** What `sweepOutbox` sweeps, which rows count as stuck, and its bounds. */
export interface SweepOptions {
  table: OutboxTable;
  publisher: Publisher;
  /** Rows younger than this are left to the relay. */
  olderThanMs: number;
  /** Sweeps that may fail to publish a row before it is parked. @default 12 */
  maxAttempts?: number;
  /** Stop starting pages at this time (epoch ms), e.g. the Lambda's remaining time minus a margin. @default - no limit */
  deadline?: number;
  /** @default 5,000 */
  maxRows?: number;
}

/**
 * The "created but never announced" reconciliation: rows still PENDING well after the relay should have
 * handled them (stream outage, a relay that kept failing) are published with their stored event_id and
 * marked. A row that fails permanently, or retryably for the `maxAttempts`-th sweep, is parked with its
 * reason. The run pages through the whole pending index (oldest first, each row once), so old rows that
 * keep failing can never starve the younger ones behind them. `outboxSweeperFromEnv` is the scheduled
 * handler around it.
 *
 * @example
 * const summary = await sweepOutbox({ table: outboxTableFromEnv(), publisher: publisherFromEnv(), olderThanMs: 60_000, deadline: Date.now() + 50_000 });
 * log.info('swept', { ...summary });
 */
export async function sweepOutbox(options: SweepOptions): Promise<SweepSummary> {
  const { table, publisher } = options;
  const maxAttempts = options.maxAttempts ?? DEFAULT_OUTBOX_MAX_ATTEMPTS;
  const cutoff = publisher.clock.now() - options.olderThanMs;
  const summary: SweepSummary = { found: 0, published: 0, failed: 0, parked: 0, skipped: 0 };
  const republished: string[] = [];
  let after: PageCursor | undefined;
  let seen = 0;
  do {
    const page = await table.pendingPage(cutoff, PAGE_SIZE, after);
    after = page.next;
    seen += page.ids.length;
    // the index lags the table: re-check, and leave young rows to the relay
    const rows = (await table.stillPending(page.ids)).filter((r) => r.createdAt <= cutoff);
    summary.found += rows.length;
    const outcomes = await republish(publisher, rows, (row, result) => settle(table, publisher, row, result, maxAttempts));
    for (const o of outcomes) if (o.recorded) summary[o.outcome] += 1;
    republished.push(...rows.map((r) => r.eventId));
  } while (after && seen < (options.maxRows ?? DEFAULT_MAX_ROWS) && publisher.clock.now() < (options.deadline ?? Infinity));
  // outcomes that could not be written back leave their rows pending: the next run sees them again
  if (summary.found > 0) publisher.logger.warn('outbox sweeper republished rows the relay missed', { ...summary, event_ids: republished.slice(0, 100) });
  publisher.metrics.flush();
  return summary;
}

/** Records one row's outcome: published, parked (permanent, or out of attempts), one more failure, or nothing (never sent). */
async function settle(table: OutboxTable, publisher: Publisher, row: OutboxRow, result: PublishResult, maxAttempts: number): Promise<Outcome> {
  if (result.status === 'published') {
    await table.markPublished(row);
    return 'published';
  }
  if (result.retryable && result.attempts === 0) return 'skipped';
  const error = describeFailure(result);
  if (result.retryable && row.attempts + 1 < maxAttempts) {
    await table.recordFailedAttempt(row, error);
    return 'failed';
  }
  await parkRow(table, publisher, row, error);
  return 'parked';
}

/** Parks a row with its reason, counted in `outbox_parked` (the Outbox construct alarms on it). */
export async function parkRow(table: OutboxTable, publisher: Publisher, row: OutboxRow, error: string): Promise<void> {
  await table.park(row, error);
  publisher.metrics.add(METRICS.outboxParked, 'Count');
  publisher.logger.error('outbox row parked: it will not be published unless an operator acts', { event_id: row.eventId, detail_type: row.entry.DetailType, attempts: row.attempts + 1, error });
}
