import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Longest retention SQS allows; every dead-letter queue keeps messages this long. */
export const DLQ_RETENTION = Duration.days(14);

export interface SecureQueueOptions {
  readonly retentionPeriod?: Duration;
  readonly visibilityTimeout?: Duration;
  readonly fifo?: boolean;
  readonly deadLetterQueue?: sqs.DeadLetterQueue;
  /**
   * Customer-managed KMS key for SSE. Whoever sends to or receives from the queue needs it too: the
   * CDK grants (`grantSendMessages`, event sources) add that; EventBridge needs a key-policy statement
   * (see `allowEventBridgeDelivery`).
   * @default - SQS-managed SSE (SSE-SQS)
   */
  readonly encryptionMasterKey?: kms.IKey;
}

/**
 * An SQS queue with SSE (SQS-managed, or under the given customer-managed key) and a TLS-only resource
 * policy. `overrides` (a construct's `queueProps` escape hatch, checked by its caller) are applied last.
 *
 * @example
 * const dlq = secureQueue(this, 'Dlq', { retentionPeriod: DLQ_RETENTION, encryptionMasterKey: key });
 */
export function secureQueue(scope: Construct, id: string, options: SecureQueueOptions = {}, overrides: Partial<sqs.QueueProps> = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: options.encryptionMasterKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED,
    encryptionMasterKey: options.encryptionMasterKey,
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
