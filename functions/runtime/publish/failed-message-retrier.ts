import { describeFailure, type FailedMessage, type FailedMessageStore } from './failed-message-store.js';
import type { Publisher } from './publisher.js';
import { republish } from './republish.js';

export const DEFAULT_MAX_ATTEMPTS = 8;
const DEFAULT_BATCH_LIMIT = 500;

/** What one retrier run did, row by row. */
export interface RetrySummary {
  /** Rows whose next attempt had come. */
  due: number;
  /** Went out and were deleted. */
  published: number;
  /** Failed again, retryably: pushed back with backoff. */
  rescheduled: number;
  /** Failed permanently, or for the `maxAttempts`-th time: parked (metric `parked`). */
  parked: number;
  /** Rows this run never sent (its publish deadline passed first): left as they were, no attempt charged. */
  skipped: number;
  /** Outcomes that could not be written back; those rows are simply tried again. */
  unrecorded: number;
}

/**
 * One scheduled run: republish the due rows of the failed-message table, delete what went out, push the
 * rest back with backoff, and park what failed permanently or `maxAttempts` times (metric `parked`, which
 * the alarms watch). The prebuilt retrier (`failedMessageRetrierFromEnv`) runs it on a schedule; call it
 * yourself to run the retrier with an explicit configuration.
 *
 * @example
 * const summary = await retryFailedMessages({ publisher: createPublisher({ busName: 'courier-bus' }), store, maxAttempts: 8 });
 * console.log(`${summary.published} of ${summary.due} due messages published`);
 */
export async function retryFailedMessages(deps: {
  publisher: Publisher;
  store: FailedMessageStore;
  maxAttempts?: number;
  limit?: number;
}): Promise<RetrySummary> {
  const { publisher, store } = deps;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const due = await store.due(deps.limit ?? DEFAULT_BATCH_LIMIT);
  const summary: RetrySummary = { due: due.length, published: 0, rescheduled: 0, parked: 0, skipped: 0, unrecorded: 0 };

  const outcomes = await republish(publisher, due, async (message: FailedMessage, result) => {
    if (result.status === 'published') {
      await store.remove(message);
      return 'published' as const;
    }
    // Never sent: nothing was tried, so nothing is charged; the row is still due for the next run.
    if (result.retryable && result.attempts === 0) return 'skipped' as const;
    const error = describeFailure(result);
    if (result.retryable && message.attempts + 1 < maxAttempts) {
      await store.retryLater(message, error);
      return 'rescheduled' as const;
    }
    await store.park(message, error);
    publisher.metrics.add('parked', 'Count');
    publisher.logger.error('failed message parked', { event_id: message.eventId, attempts: message.attempts + 1, error });
    return 'parked' as const;
  });

  for (const o of outcomes) summary[o.recorded ? o.outcome : 'unrecorded'] += 1;
  publisher.metrics.flush();
  publisher.logger.info('failed-message retry run', { ...summary });
  return summary;
}
