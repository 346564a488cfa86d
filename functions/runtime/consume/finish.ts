import type { SQSBatchResponse } from 'aws-lambda';
import { sqsClient } from '../support/aws-clients.js';
import type { Logger } from '../support/log.js';
import type { ConsumerConfig } from './config.js';
import type { BatchClock } from './deadline.js';
import { delayRetries } from './retry-delay.js';
import type { Verdict } from './settle.js';

/**
 * Step 5, finish: writes every claim's end (complete / release, fenced on the lease token) before the
 * lease ends, then — only then, so an early retry never finds its own claim still held — shortens the
 * visibility of the records to retry; emits the batch's metrics and answers with the failed records.
 */
export async function finish(config: ConsumerConfig, verdicts: readonly Verdict[], clock: BatchClock, fifo: boolean, log: Logger): Promise<SQSBatchResponse> {
  const finishes = verdicts.flatMap((v) => (v.finish ? [v.finish] : []));
  if (config.store && finishes.length > 0) {
    const results = await config.store.finish(finishes, clock.end());
    for (const [id, result] of results) if (result !== 'ok') log.warn('idempotency marker not updated', { idempotency_id: id, result });
  }
  const delayed = verdicts.filter((v) => v.outcome === 'retry' && v.delay).map((v) => v.record);
  if (config.retryBackoff && !fifo && delayed.length > 0) await delayRetries(sqsClient(), delayed, config.retryBackoff, log, clock.end());
  config.metrics.flush();
  return { batchItemFailures: verdicts.filter((v) => v.outcome === 'retry').map((v) => ({ itemIdentifier: v.record.messageId })) };
}
