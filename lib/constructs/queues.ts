import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Longest retention SQS allows; every dead-letter queue courier creates keeps messages this long. Give
 * dead-letter queues of your own the same, so operators have as long to act on them.
 *
 * @example
 * const dlq = secureQueue(this, 'ExportDlq', { retentionPeriod: DLQ_RETENTION });
 */
export const DLQ_RETENTION = Duration.days(14);

/** The settings {@link secureQueue} takes; encryption and TLS are not among them, they are always on. */
export interface SecureQueueOptions {
  /**
   * How long the queue keeps a message.
   * @default Duration.days(4) (SQS's default)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long a received message stays hidden from other receivers.
   * @default Duration.seconds(30) (SQS's default)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * A FIFO queue, with content-based deduplication (EventBridge sends no deduplication id).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Where messages go after too many receives.
   * @default - no dead-letter queue
   */
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
