import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Longest retention SQS allows; every dead-letter queue keeps messages this long. */
export const DLQ_RETENTION = Duration.days(14);

export interface SecureQueueOptions {
  readonly retentionPeriod?: Duration;
  readonly visibilityTimeout?: Duration;
  readonly fifo?: boolean;
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
}

/**
 * An SQS queue with SQS-managed SSE and a TLS-only resource policy. `overrides` (a construct's
 * `queueProps` escape hatch, checked by its caller) are applied last.
 */
export function secureQueue(scope: Construct, id: string, options: SecureQueueOptions = {}, overrides: Partial<sqs.QueueProps> = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: options.retentionPeriod,
    visibilityTimeout: options.visibilityTimeout,
    fifo: options.fifo,
    // EventBridge sends no deduplication id to a FIFO target: the queue must derive it from the body.
    contentBasedDeduplication: options.fifo || undefined,
    deadLetterQueue: options.deadLetterQueue,
    ...overrides,
  });
}
