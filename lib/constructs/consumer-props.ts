import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { ConsumableEvent } from '../../functions/contracts/foreign.js';
import { ENV, FAILED_MESSAGE_TABLE, IDEMPOTENCY_TABLE } from '../../functions/contracts/conventions.js';
import type { FunctionCode } from './courier-function.js';
import { DLQ_RETENTION } from './queues.js';
import type { TableGrant } from './table-access.js';

/** Lowest redrive count allowed: fewer deliveries turn ordinary transient failures into DLQ noise. */
export const MIN_MAX_RECEIVE_COUNT = 5;
export const DEFAULT_MAX_RECEIVE_COUNT = 10;
/** Records per batch unless a consumer says otherwise. */
export const DEFAULT_BATCH_SIZE = 10;
/** Visibility timeout = this × function timeout (AWS guidance for SQS event sources). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Consumer names: kebab-case, used in env vars, idempotency keys, tags, alarm names. */
export const CONSUMER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;
/** The environment variables the construct sets; `environment` and `tables` may not override them. */
export const CONVENTION_ENV: readonly string[] = [ENV.consumerName, ENV.idempotencyTable, ENV.idempotencyHorizonSeconds, ENV.dlqUrl, ENV.serviceName];
/** queueProps the construct owns (each has its own prop, or is wired by the construct). */
const OWNED_QUEUE_PROPS = ['deadLetterQueue', 'fifo', 'visibilityTimeout', 'retentionPeriod', 'queueName'] as const;

export interface ConsumerProps extends FunctionCode {
  /**
   * Consumer name, kebab-case (`inventory-reserve`). Set as `CONSUMER_NAME`; prefixes idempotency keys;
   * tags and alarm names carry it.
   */
  readonly name: string;
  /** Owning service; set as `SERVICE_NAME`. */
  readonly serviceName: string;
  /** The bus the consumer's rule listens on. */
  readonly bus: events.IEventBus;
  /** The events (detail-type + source) this consumer receives: at least one, each detail-type once. */
  readonly events: readonly ConsumableEvent[];
  /**
   * A function of the app's own to consume with, instead of one built from `entry` / `code`: the
   * construct adds the event source, the convention environment and the grants to it.
   * @default - a CourierFunction built from `entry` or `code`
   */
  readonly existingFunction?: lambda.Function;
  /** Idempotency table (`IDEMPOTENCY_TABLE`); the function may read and write items in it. */
  readonly idempotencyTable: dynamodb.ITable;
  /**
   * How long the consumer's completed markers suppress duplicates (`IDEMPOTENCY_HORIZON_SECONDS`, and
   * `idempotencyHorizonSeconds` in its discovery output, so the CLI refuses to replay, redrive or retry
   * older events without `--force`). It must cover every redelivery window the construct knows of: the
   * DLQ retention, the bus archive's retention (`archiveRetention`) and the failed-message retention
   * (30 days). Longer horizons keep more markers (a few hundred bytes each, removed by TTL).
   * @default Duration.days(31)
   */
  readonly idempotencyHorizon?: Duration;
  /**
   * How long the bus archive keeps events (a replay can re-send events this old); the horizon must cover it.
   * @default - no archive known (ServiceStack passes its messaging stack's)
   */
  readonly archiveRetention?: Duration;
  /** Every alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Function timeout. The queue's visibility timeout is computed from it (never set by hand).
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Records per batch (1–10 without a batching window; up to 10,000 with one; ≤ 10 for FIFO).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long SQS gathers records before invoking (0–5 minutes). Added to the visibility timeout.
   * @default - none (invoke as soon as records are available)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Maximum concurrent invocations the event source mapping starts (2–1000).
   * @default - no limit beyond the account's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Deliveries before SQS moves a message to the DLQ; at least 5. The runtime retries transient failures
   * after 5 s doubling, so 10 deliveries ride out about 40 minutes of a failing dependency before
   * anything is dead-lettered.
   * @default 10
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the queue keeps a message. Must be shorter than the DLQ's retention: a standard queue's
   * retention counts from the original enqueue, so a DLQ with equal retention would drop it at once.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
  /**
   * How long the DLQ (and the rule target's DLQ) keep a message; longer than `retentionPeriod`.
   * @default Duration.days(14)
   */
  readonly dlqRetentionPeriod?: Duration;
  /**
   * Receive events replayed from the archive. Off by default so a bus-wide replay cannot flood this
   * consumer; the rule then matches only events without `replay-name`.
   * @default false
   */
  readonly includeReplayed?: boolean;
  /**
   * How many times EventBridge retries delivering to the queue before the rule target's DLQ.
   * @default 185
   */
  readonly targetRetryAttempts?: number;
  /**
   * How long EventBridge keeps retrying delivery to the queue.
   * @default Duration.hours(24)
   */
  readonly targetMaxEventAge?: Duration;
  /**
   * Alarm when the oldest message in the queue is older than this (a stuck or too slow consumer).
   * @default Duration.minutes(5)
   */
  readonly oldestMessageAgeThreshold?: Duration;
  /**
   * Tables the handler uses, by the environment variable that receives the table name. Read/write on
   * items unless `readOnly`; indexes only when named.
   * @default - none
   */
  readonly tables?: Record<string, TableGrant | dynamodb.ITable>;
  /**
   * Extra environment variables. The convention variables (`CONSUMER_NAME`, `IDEMPOTENCY_TABLE`,
   * `DLQ_URL`, `SERVICE_NAME`) cannot be overridden.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * FIFO queue (and FIFO DLQ), with content-based deduplication (EventBridge sends no deduplication
   * id) and every event in one message group (`messageGroupId`), so the consumer sees them in order; the
   * rule target's DLQ stays a standard queue (EventBridge requires it).
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Message group id EventBridge sets on a FIFO queue.
   * @default - the consumer name
   */
  readonly messageGroupId?: string;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed KMS key for the queue, its DLQ and the target DLQ. The function is granted its use;
   * EventBridge may use it for deliveries from this account, and the queue still takes SendMessage only
   * from this consumer's rule (`acceptOnlyFromRule`).
   * @default - SQS-managed SSE
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Escape hatch: more props for the consumer queue. The construct owns
   * `deadLetterQueue`, `fifo`, `visibilityTimeout`, `retentionPeriod` and `queueName`, and refuses an
   * unencrypted or non-TLS queue.
   * @default - none
   */
  readonly queueProps?: Partial<sqs.QueueProps>;
  /**
   * Escape hatch: more props for the function built from `entry` / `code` (ignored with `existingFunction`).
   * @default - none
   */
  readonly functionProps?: Partial<nodejs.NodejsFunctionProps>;
}

/** What validation computes from the props. */
export interface ConsumerSettings {
  timeout: Duration;
  visibilityTimeout: Duration;
  retention: Duration;
  dlqRetention: Duration;
  maxReceiveCount: number;
  batchSize: number;
  ageThreshold: Duration;
  fifo: boolean;
  idempotencyHorizon: Duration;
}

/** Refuses unsafe or contradictory settings at synth time, naming the prop; returns the computed ones. */
export function validateConsumerProps(props: ConsumerProps): ConsumerSettings {
  const who = `Consumer ${props.name}`;
  const fail = (why: string): never => {
    throw new Error(`${who}: ${why}`);
  };
  if (!CONSUMER_NAME_PATTERN.test(props.name)) fail(`name must match ${CONSUMER_NAME_PATTERN} (kebab-case, ≤ 48 chars)`);
  if (!props.events || props.events.length === 0) fail('events must list at least one event');
  const seen = new Set<string>();
  for (const e of props.events) {
    if (seen.has(e.detailType)) fail(`event ${e.detailType} is listed twice`);
    seen.add(e.detailType);
  }
  const codeGiven = [props.entry, props.code, props.existingFunction].filter((c) => c !== undefined).length;
  if (codeGiven !== 1) fail('give the handler as exactly one of `entry` (source to bundle), `code` (prebuilt) or `existingFunction`');
  for (const key of Object.keys({ ...props.environment, ...props.tables })) {
    if (CONVENTION_ENV.includes(key)) fail(`${key} is set by the construct; it cannot come from environment or tables`);
  }
  validateQueueProps(props.queueProps ?? {}, fail);

  const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < MIN_MAX_RECEIVE_COUNT) {
    fail(`maxReceiveCount must be an integer ≥ ${MIN_MAX_RECEIVE_COUNT} (got ${maxReceiveCount})`);
  }
  const retention = props.retentionPeriod ?? Duration.days(4);
  const dlqRetention = props.dlqRetentionPeriod ?? DLQ_RETENTION;
  if (dlqRetention.toSeconds() <= retention.toSeconds()) {
    fail(`dlqRetentionPeriod (${dlqRetention.toHumanString()}) must be longer than retentionPeriod (${retention.toHumanString()}); a standard queue's retention counts from the original enqueue`);
  }
  const timeout = props.timeout ?? Duration.seconds(30);
  const window = props.maxBatchingWindow ?? Duration.seconds(0);
  if (window.toSeconds() > 300) fail('maxBatchingWindow must be ≤ 5 minutes');
  const visibility = VISIBILITY_TIMEOUT_FACTOR * timeout.toSeconds() + window.toSeconds();
  if (visibility > 43_200) fail(`timeout ${timeout.toHumanString()} gives a visibility timeout above SQS's 12 hours`);
  const batchSize = props.batchSize ?? DEFAULT_BATCH_SIZE;
  const fifo = props.fifo ?? false;
  if (fifo && (batchSize > 10 || window.toSeconds() > 0)) fail('FIFO queues take batchSize ≤ 10 and no batching window');
  if (!fifo && props.messageGroupId !== undefined) fail('messageGroupId applies to FIFO consumers only (set fifo: true)');
  if (props.maxConcurrency !== undefined && (props.maxConcurrency < 2 || props.maxConcurrency > 1000)) fail('maxConcurrency must be 2–1000');
  const idempotencyHorizon = props.idempotencyHorizon ?? Duration.seconds(IDEMPOTENCY_TABLE.defaultHorizonSeconds);
  for (const [window, length] of redeliveryWindows(dlqRetention, props.archiveRetention)) {
    if (idempotencyHorizon.toSeconds() < length.toSeconds()) {
      fail(
        `idempotencyHorizon (${idempotencyHorizon.toHumanString()}) is shorter than the ${window} (${length.toHumanString()}): ` +
          `an event brought back that late would find no marker and run again. Set idempotencyHorizon ≥ ${length.toHumanString()}`,
      );
    }
  }
  return {
    idempotencyHorizon,
    timeout,
    visibilityTimeout: Duration.seconds(visibility),
    retention,
    dlqRetention,
    maxReceiveCount,
    batchSize,
    ageThreshold: props.oldestMessageAgeThreshold ?? Duration.minutes(5),
    fifo,
  };
}

/** Every way courier can bring an event back to a consumer, with how old the event can be then. */
function redeliveryWindows(dlqRetention: Duration, archiveRetention: Duration | undefined): [string, Duration][] {
  return [
    ['DLQ retention (courier dlq redrive)', dlqRetention],
    ['failed-message retention (courier failed retry)', Duration.seconds(FAILED_MESSAGE_TABLE.retentionSeconds)],
    ...(archiveRetention ? [['archive retention (courier replay)', archiveRetention] as [string, Duration]] : []),
  ];
}

function validateQueueProps(queueProps: Partial<sqs.QueueProps>, fail: (why: string) => never): void {
  for (const key of OWNED_QUEUE_PROPS) if (queueProps[key] !== undefined) fail(`queueProps.${key} is set by the construct`);
  if (queueProps.encryption === sqs.QueueEncryption.UNENCRYPTED) fail('queueProps.encryption may not be UNENCRYPTED');
  if (queueProps.enforceSSL === false) fail('queueProps.enforceSSL may not be false');
}
