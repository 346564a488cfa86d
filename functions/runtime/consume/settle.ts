import type { SQSRecord } from 'aws-lambda';
import { METRICS } from '../../contracts/conventions.js';
import { sqsClient } from '../support/aws-clients.js';
import type { Logger } from '../support/log.js';
import type { ClaimedRecord } from './claim.js';
import type { ConsumerConfig } from './config.js';
import { until, type BatchClock } from './deadline.js';
import { quarantine } from './dlq.js';
import { DeadlineExceeded, isPermanent } from './errors.js';
import type { Finish } from './idempotency.js';
import type { ConsumerMiddleware, Outcome } from './middleware.js';
import { recordTraceFields } from './record-trace.js';
import { run } from './run.js';

/** A record's fate, and what the finish step still owes it. */
export interface Verdict {
  record: SQSRecord;
  outcome: Outcome;
  /** What to write to our claim at the end; absent when the claim is not ours to set (or there is none). */
  finish?: Finish;
  /** Shorten the visibility of this retry (not for records another invocation holds: its lease decides). */
  delay: boolean;
}

const METRIC: Record<Outcome, string> = { processed: METRICS.processed, duplicate: METRICS.duplicates, retry: METRICS.transientFailures, quarantined: METRICS.quarantined };

export interface SettleInput {
  item: ClaimedRecord;
  clock: BatchClock;
  /** FIFO: an earlier record of this message group failed, so this one must not run. */
  blocked: boolean;
  log: Logger;
  middleware: readonly ConsumerMiddleware[];
  /** Optimistic mode, a later copy of a key: how the first copy in this batch ended (undefined: not yet). */
  earlier?: Outcome;
}

/**
 * Step 4, settle: decides one record's fate — duplicate, not ours, quarantined, retried or processed —
 * running it (step 3) when it is ours to run, logging one line and counting one metric. Never throws.
 */
export async function settle(config: ConsumerConfig, input: SettleInput): Promise<Verdict> {
  const { item, clock } = input;
  const { record, decoded } = item;
  const log = input.log.child({
    message_id: record.messageId,
    correlation_id: decoded.known.correlationId,
    event_id: decoded.known.eventId,
    detail_type: decoded.known.detailType,
    ...recordTraceFields(record, decoded.ok ? decoded.event.detail : undefined),
  });
  const started = Date.now();
  const token = item.claim?.status === 'claimed' ? item.claim.token : undefined;
  const ours = (action: Finish['action']): Finish | undefined => (token ? { id: item.id!, token, action } : undefined);

  const verdict = (outcome: Outcome, extra: { finish?: Finish; delay?: boolean; fields?: Record<string, unknown> } = {}): Verdict => {
    const entry = { outcome, duration_ms: Date.now() - started, ...extra.fields };
    if (outcome === 'retry') log.warn('record will be retried', entry);
    else if (outcome === 'quarantined') log.error('record quarantined', entry);
    else log.info(outcome === 'duplicate' ? 'duplicate acknowledged' : 'record processed', entry);
    config.metrics.add(METRIC[outcome], 'Count');
    if (outcome === 'processed' || outcome === 'quarantined') config.metrics.add(METRICS.duration, 'Milliseconds', entry.duration_ms);
    return { record, outcome, finish: extra.finish, delay: extra.delay ?? false };
  };
  /** Our failure: release the claim so the redelivery runs, and bring it back after the backoff. */
  const retry = (reason: string, fields: Record<string, unknown> = {}) => verdict('retry', { finish: ours('release'), delay: true, fields: { reason, ...fields } });
  /** Not ours to decide (another delivery holds it, or the commit outcome is unknown): its lease decides. */
  const wait = (reason: string, fields: Record<string, unknown> = {}) => verdict('retry', { fields: { reason, ...fields } });
  const toDlq = async (error: Error): Promise<Verdict> => {
    try {
      // Inside the record's time too: a DLQ send still in flight when the lease ends would race the next owner.
      const reason = { error, consumer: config.name, detailType: decoded.known.detailType, eventId: decoded.known.eventId };
      await until(clock.end() - clock.marginMs, (signal) => quarantine(sqsClient(), config.dlqUrl, record, reason, signal));
      return verdict('quarantined', { finish: ours('release'), fields: { error } });
    } catch (sendError) {
      return retry('dlq_send_failed', { error, send_error: sendError });
    }
  };

  try {
    if (input.blocked) return retry('fifo_group_blocked');
    if (!clock.canStart()) return retry('invocation_deadline');
    if (!decoded.ok) return await toDlq(decoded.error);
    if (item.invalid) return await toDlq(item.invalid);
    if (config.store && !item.claim) return retry('not_claimed');
    if (item.claim?.status === 'completed') return verdict('duplicate');
    if (item.claim?.status === 'in_progress') return wait('in_progress');
    if (item.claim?.status === 'error') return retry('claim_failed', { error: item.claim.error });
    if (item.claim?.status === 'copy') {
      // The first copy settled it (done, or in the DLQ): this one is the same event. Otherwise it comes back.
      return input.earlier && input.earlier !== 'retry' ? verdict('duplicate', { fields: { reason: 'copy_in_batch' } }) : retry('copy_in_batch');
    }
    const optimistic = item.claim?.status === 'optimistic';

    const outcome = await run(config, {
      event: decoded.event,
      deadlineAt: clock.recordDeadline(),
      marker: token ? config.store!.completionWrite(item.id!, token) : optimistic ? config.store!.markerPut(item.id!) : undefined,
      context: { log, messageId: record.messageId, receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1) },
      middleware: input.middleware,
    });
    switch (outcome.status) {
      case 'done':
        return verdict('processed', { finish: outcome.committed ? undefined : ours('complete') });
      case 'lease_lost':
        if (!optimistic) return wait('lease_lost');
        // Refused on the marker: a concurrent copy completed it (a duplicate), or a claim holds it.
        return config.store!.holderOf(outcome.holder) === 'completed' ? verdict('duplicate') : retry('in_progress');
      case 'conflict':
        return retry('transaction_conflict', { error: outcome.error });
      case 'commit_unknown':
        // A claim stays held (its lease decides); without one the retry finds the marker if it applied.
        return optimistic ? retry('commit_failed', { error: outcome.error }) : wait('commit_failed', { error: outcome.error });
      case 'failed':
        if (isPermanent(outcome.error)) return await toDlq(outcome.error);
        return retry(outcome.error instanceof DeadlineExceeded ? 'deadline' : 'handler_error', { error: outcome.error });
    }
  } catch (error) {
    // Defensive: one record must never fail the batch. Its claim is left to the lease (state unknown).
    return wait('runtime_error', { error });
  }
}
