import type { OutboxTable } from './table.js';
import type { Publisher } from '../publish/publisher.js';
import { republish } from '../publish/republish.js';

export const DEFAULT_SWEEP_AFTER_SECONDS = 60;
const DEFAULT_SWEEP_LIMIT = 500;

export interface SweepSummary {
  found: number;
  published: number;
  failed: number;
}

/**
 * The "created but never announced" reconciliation: rows still PENDING well after the relay should have
 * handled them (stream outage, a relay that kept failing) are published with their stored event_id and
 * marked. The next run picks up whatever fails now.
 */
export async function sweepOutbox(deps: { table: OutboxTable; publisher: Publisher; olderThanMs: number; limit?: number }): Promise<SweepSummary> {
  const { table, publisher } = deps;
  const cutoff = publisher.clock.now() - deps.olderThanMs;
  const ids = await table.pendingSince(cutoff, deps.limit ?? DEFAULT_SWEEP_LIMIT);
  // the index lags the table: re-check, and leave young rows to the relay
  const rows = (await table.stillPending(ids)).filter((r) => r.createdAt <= cutoff);
  const outcomes = await republish(publisher, rows, async (row, result) => {
    if (result.status === 'published') await table.markPublished(row);
  });
  const published = outcomes.filter((o) => o.recorded && o.result.status === 'published').length;
  const summary = { found: rows.length, published, failed: rows.length - published };
  if (rows.length > 0) publisher.logger.warn('outbox sweeper republished rows the relay missed', { ...summary, event_ids: rows.map((r) => r.eventId) });
  return summary;
}
