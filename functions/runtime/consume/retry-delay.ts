import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '../support/log.js';

/**
 * How long a record reported for retry stays hidden: base × 2^(receives − 1), capped, with equal jitter.
 * Without it every retry waits the queue's whole visibility timeout (6 × the function timeout), so a
 * lost optimistic-concurrency race costs minutes; with it the first retries come in seconds and later
 * ones back off, so a longer outage still spends `maxReceiveCount` slowly.
 */
export interface RetryBackoff {
  /** Delay before the first retry, in seconds. */
  baseSeconds: number;
  /** Upper bound, in seconds (SQS allows 12 h). */
  maxSeconds: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { baseSeconds: 5, maxSeconds: 900 };

/** ChangeMessageVisibilityBatch takes at most 10 entries. */
export const CHANGE_VISIBILITY_MAX_ENTRIES = 10;

export function retryDelaySeconds(receiveCount: number, backoff: RetryBackoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  return Math.max(1, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

/** `arn:aws:sqs:eu-west-1:123456789012:orders` → the queue URL the SQS API accepts. */
export function queueUrlFromArn(arn: string): string {
  const [, partition, , region, account, name] = arn.split(':');
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * Shortens the visibility of records about to be reported as failures, in calls of at most 10 entries
 * (SQS's limit), none started at or after `deadlineAt`. Best effort: if a call fails the records still
 * come back, only after the queue's full visibility timeout.
 */
export async function delayRetries(sqs: SQSClient, records: readonly SQSRecord[], backoff: RetryBackoff, log: Logger, deadlineAt = Infinity): Promise<void> {
  const byQueue = new Map<string, SQSRecord[]>();
  for (const r of records) byQueue.set(r.eventSourceARN, [...(byQueue.get(r.eventSourceARN) ?? []), r]);
  for (const [arn, list] of byQueue) {
    for (let i = 0; i < list.length; i += CHANGE_VISIBILITY_MAX_ENTRIES) {
      const chunk = list.slice(i, i + CHANGE_VISIBILITY_MAX_ENTRIES);
      const left = deadlineAt - Date.now();
      if (left <= 0) {
        log.warn('retry delay not set: no time left; records return after the visibility timeout', { records: list.length - i });
        return;
      }
      try {
        const out = await sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrlFromArn(arn),
            Entries: chunk.map((r, j) => ({
              Id: String(j),
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: retryDelaySeconds(Number(r.attributes.ApproximateReceiveCount ?? 1), backoff),
            })),
          }),
          Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(left) } : {},
        );
        if (out.Failed?.length) log.warn('retry delay not set for some records', { failed: out.Failed });
      } catch (error) {
        log.warn('retry delay not set; records return after the visibility timeout', { error });
      }
    }
  }
}
