import { CfnOutput, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EVENTS_TARGET_QUEUE_SAME_ACCOUNT } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { EventDefinition } from '../../functions/contracts/define.js';
import { notify } from './alarm-topic.js';
import { alarmName, dlqDepthAlarm, functionAlarms } from './alarms.js';
import { acceptOnlyFromRule, acknowledgeKeyGrants } from './encryption.js';
import { CourierFunction } from './function-defaults.js';
import { DLQ_RETENTION, secureQueue } from './queues.js';
import { grantTable, type TableGrant } from './table-access.js';
import { TAG_CONSUMER, TAG_ROLE, TAG_SERVICE, outputId } from './discovery.js';

/** Lowest redrive count allowed: fewer deliveries turn ordinary transient failures into DLQ noise. */
export const MIN_MAX_RECEIVE_COUNT = 5;
export const DEFAULT_MAX_RECEIVE_COUNT = 10;
/** Records per batch unless a consumer says otherwise. */
export const DEFAULT_BATCH_SIZE = 10;
/** Visibility timeout = this × function timeout (AWS guidance for SQS event sources). */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
/** Consumer names: kebab-case, used in env vars, idempotency keys, tags, alarm names. */
export const CONSUMER_NAME_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;

export interface ConsumerProps {
  /**
   * Consumer name, kebab-case (`inventory-reserve`). Set as `CONSUMER_NAME`; prefixes idempotency keys;
   * tags and alarm names carry it.
   */
  readonly name: string;
  /** Owning service; set as `SERVICE_NAME`. */
  readonly serviceName: string;
  /** The bus the consumer's rule listens on. */
  readonly bus: events.IEventBus;
  /** The events (detail-type + source) this consumer receives; at least one. */
  readonly events: readonly EventDefinition[];
  /** Handler file, absolute or relative to the repository root. */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /** Idempotency table (`IDEMPOTENCY_TABLE`); the function may read and write items in it. */
  readonly idempotencyTable: dynamodb.ITable;
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
   * after 5 s doubling (functions/runtime/retry-delay.ts), so 10 deliveries ride out about 40 minutes of
   * a failing dependency before anything is dead-lettered.
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
   * FIFO queue (and FIFO DLQ). EventBridge sends every event with the same message group id, so the
   * consumer sees them in order; the rule target's DLQ stays a standard queue (EventBridge requires it).
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
}

/** Alarms of one consumer; every one notifies the alarm topic. */
export interface ConsumerAlarms {
  readonly dlqDepth: cloudwatch.Alarm;
  readonly targetDlqDepth: cloudwatch.Alarm;
  readonly oldestMessageAge: cloudwatch.Alarm;
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
}

const CONVENTION_ENV = ['CONSUMER_NAME', 'IDEMPOTENCY_TABLE', 'DLQ_URL', 'SERVICE_NAME'];

/**
 * One consumer of bus events: rule → SQS queue (DLQ via redrive) → Lambda with partial batch response.
 * Every safety default is built in and the unsafe settings are refused: a consumer cannot be declared
 * without its DLQ, its alarms and `ReportBatchItemFailures`.
 */
export class Consumer extends Construct {
  readonly name: string;
  readonly serviceName: string;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  /** Where EventBridge puts events it could not deliver to `queue`. */
  readonly targetDlq: sqs.Queue;
  readonly rule: events.Rule;
  readonly fn: CourierFunction;
  /** The idempotency table its claims and markers live in. */
  readonly idempotencyTable: dynamodb.ITable;
  readonly alarms: ConsumerAlarms;
  /** The detail-types the rule matches. */
  readonly detailTypes: string[];

  constructor(scope: Construct, id: string, props: ConsumerProps) {
    super(scope, id);
    // With a key, aws-cdk-lib's SqsQueue target lets EventBridge use it only for this account's rules.
    if (props.encryptionKey) this.node.setContext(EVENTS_TARGET_QUEUE_SAME_ACCOUNT, true);
    const settings = validate(props);
    this.name = props.name;
    this.serviceName = props.serviceName;
    this.detailTypes = [...new Set(props.events.map((e) => e.detailType))];
    const sources = [...new Set(props.events.map((e) => e.source))];
    const fifo = props.fifo ?? false;

    // Queue and its DLQ
    const encryptionMasterKey = props.encryptionKey;
    this.dlq = secureQueue(this, 'Dlq', { retentionPeriod: settings.dlqRetention, fifo: fifo || undefined, encryptionMasterKey });
    this.queue = secureQueue(this, 'Queue', {
      encryptionMasterKey,
      fifo: fifo || undefined,
      retentionPeriod: settings.retention,
      visibilityTimeout: settings.visibilityTimeout,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: settings.maxReceiveCount },
    });
    // EventBridge requires a standard queue as a target DLQ, even for FIFO targets.
    this.targetDlq = secureQueue(this, 'TargetDlq', { retentionPeriod: settings.dlqRetention, encryptionMasterKey });
    Validations.of(this.targetDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (the EventBridge rule target DLQ); a DLQ of a DLQ would only hide failures. Its depth is alarmed.',
    });

    // Rule: one per consumer, its detail-types and sources, replays excluded unless asked for.
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `courier: ${props.name} receives ${this.detailTypes.join(', ')}`,
      eventPattern: { source: sources, detailType: this.detailTypes },
    });
    if (!(props.includeReplayed ?? false)) {
      (this.rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [
        { exists: false },
      ]);
    }
    // The SqsQueue target adds the queue policy: events.amazonaws.com may SendMessage only with
    // aws:SourceArn = this rule (the same for the target DLQ).
    this.rule.addTarget(
      new targets.SqsQueue(this.queue, {
        deadLetterQueue: this.targetDlq,
        retryAttempts: props.targetRetryAttempts ?? 185,
        maxEventAge: props.targetMaxEventAge ?? Duration.hours(24),
        messageGroupId: fifo ? (props.messageGroupId ?? props.name) : undefined,
      }),
    );
    if (encryptionMasterKey) acceptOnlyFromRule(this.queue, this.rule);

    // Function
    const userEnv = props.environment ?? {};
    for (const key of CONVENTION_ENV) {
      if (key in userEnv) throw new Error(`Consumer ${props.name}: environment.${key} is set by the construct`);
    }
    this.idempotencyTable = props.idempotencyTable;
    this.fn = new CourierFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler,
      serviceName: props.serviceName,
      description: `courier consumer ${props.name}`,
      timeout: settings.timeout,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      environment: {
        ...userEnv,
        CONSUMER_NAME: props.name,
        IDEMPOTENCY_TABLE: props.idempotencyTable.tableName,
        DLQ_URL: this.dlq.queueUrl,
      },
    });
    // Grants consume on this queue only (Receive/Delete/ChangeVisibility/GetQueueAttributes/GetQueueUrl).
    this.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: props.maxBatchingWindow,
        maxConcurrency: props.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    // Permanent failures go straight to the DLQ.
    this.dlq.grantSendMessages(this.fn);
    if (encryptionMasterKey) acknowledgeKeyGrants(this.fn);
    grantTable(this.fn, props.idempotencyTable);
    for (const [envName, grant] of Object.entries(props.tables ?? {})) {
      if (CONVENTION_ENV.includes(envName)) throw new Error(`Consumer ${props.name}: tables.${envName} clashes with a convention variable`);
      const table = 'tableArn' in grant ? grant : grant.table;
      this.fn.addEnvironment(envName, table.tableName);
      grantTable(this.fn, grant);
    }

    // Alarms
    const topic = props.alarmTopic;
    const fnAlarms = functionAlarms(this, this.fn, topic, props.name, 'Function');
    this.alarms = {
      dlqDepth: dlqDepthAlarm(
        this,
        'DlqDepthAlarm',
        this.dlq,
        topic,
        alarmName(this, props.name, 'dlq-depth'),
        `${props.name}: messages in the consumer DLQ (poison or failed ${props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT} times). Run: courier dlq show ${props.name}`,
      ),
      targetDlqDepth: dlqDepthAlarm(
        this,
        'TargetDlqDepthAlarm',
        this.targetDlq,
        topic,
        alarmName(this, props.name, 'target-dlq-depth'),
        `${props.name}: EventBridge could not deliver events to the queue (policy, encryption or deleted queue).`,
      ),
      oldestMessageAge: this.queue
        .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, 'OldestMessageAgeAlarm', {
          alarmName: alarmName(this, props.name, 'oldest-message-age'),
          alarmDescription: `${props.name}: the oldest message waited longer than ${settings.ageThreshold.toHumanString()} (consumer stuck, failing or too slow).`,
          threshold: settings.ageThreshold.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 3,
          datapointsToAlarm: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      errors: fnAlarms.errors,
      throttles: fnAlarms.throttles,
    };
    notify(this.alarms.oldestMessageAge, topic);

    // Discovery for the ops CLI: tags on the resources, one JSON output per consumer.
    Tags.of(this).add(TAG_CONSUMER, props.name);
    Tags.of(this).add(TAG_SERVICE, props.serviceName);
    Tags.of(this.queue).add(TAG_ROLE, 'queue');
    Tags.of(this.dlq).add(TAG_ROLE, 'dlq');
    Tags.of(this.targetDlq).add(TAG_ROLE, 'target-dlq');
    Tags.of(this.fn).add(TAG_ROLE, 'function');
    new CfnOutput(this, 'Discovery', {
      description: `courier:consumer ${props.name}`,
      value: Stack.of(this).toJsonString(this.describe()),
    }).overrideLogicalId(outputId('Consumer', props.name));
  }

  /** Every alarm of this consumer. */
  get allAlarms(): cloudwatch.Alarm[] {
    return Object.values(this.alarms);
  }

  /** What the ops CLI needs to find and operate this consumer (the stack output's JSON). */
  describe(): Record<string, unknown> {
    return {
      kind: 'consumer',
      name: this.name,
      service: this.serviceName,
      detailTypes: this.detailTypes,
      queueUrl: this.queue.queueUrl,
      queueArn: this.queue.queueArn,
      dlqUrl: this.dlq.queueUrl,
      dlqArn: this.dlq.queueArn,
      targetDlqUrl: this.targetDlq.queueUrl,
      targetDlqArn: this.targetDlq.queueArn,
      ruleName: this.rule.ruleName,
      ruleArn: this.rule.ruleArn,
      functionName: this.fn.functionName,
      logGroupName: this.fn.logGroup.logGroupName,
      idempotencyTableName: this.idempotencyTable.tableName,
      alarms: Object.fromEntries(Object.entries(this.alarms).map(([k, a]) => [k, a.alarmName])),
    };
  }
}

interface Settings {
  timeout: Duration;
  visibilityTimeout: Duration;
  retention: Duration;
  dlqRetention: Duration;
  maxReceiveCount: number;
  batchSize: number;
  ageThreshold: Duration;
}

/** Refuses unsafe settings at synth time; returns the computed ones. */
function validate(props: ConsumerProps): Settings {
  const who = `Consumer ${props.name}`;
  if (!CONSUMER_NAME_PATTERN.test(props.name)) {
    throw new Error(`${who}: name must match ${CONSUMER_NAME_PATTERN} (kebab-case, ≤ 48 chars)`);
  }
  if (props.events.length === 0) throw new Error(`${who}: events must list at least one event`);
  const maxReceiveCount = props.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < MIN_MAX_RECEIVE_COUNT) {
    throw new Error(`${who}: maxReceiveCount must be an integer ≥ ${MIN_MAX_RECEIVE_COUNT} (got ${maxReceiveCount})`);
  }
  const retention = props.retentionPeriod ?? Duration.days(4);
  const dlqRetention = props.dlqRetentionPeriod ?? DLQ_RETENTION;
  if (dlqRetention.toSeconds() <= retention.toSeconds()) {
    throw new Error(
      `${who}: dlqRetentionPeriod (${dlqRetention.toHumanString()}) must be longer than retentionPeriod (${retention.toHumanString()}); a standard queue's retention counts from the original enqueue`,
    );
  }
  const timeout = props.timeout ?? Duration.seconds(30);
  const window = props.maxBatchingWindow ?? Duration.seconds(0);
  if (window.toSeconds() > 300) throw new Error(`${who}: maxBatchingWindow must be ≤ 5 minutes`);
  const visibility = VISIBILITY_TIMEOUT_FACTOR * timeout.toSeconds() + window.toSeconds();
  if (visibility > 43_200) {
    throw new Error(`${who}: timeout ${timeout.toHumanString()} gives a visibility timeout above SQS's 12 hours`);
  }
  const batchSize = props.batchSize ?? DEFAULT_BATCH_SIZE;
  if (props.fifo && (batchSize > 10 || window.toSeconds() > 0)) {
    throw new Error(`${who}: FIFO queues take batchSize ≤ 10 and no batching window`);
  }
  if (props.maxConcurrency !== undefined && (props.maxConcurrency < 2 || props.maxConcurrency > 1000)) {
    throw new Error(`${who}: maxConcurrency must be 2–1000`);
  }
  return {
    timeout,
    visibilityTimeout: Duration.seconds(visibility),
    retention,
    dlqRetention,
    maxReceiveCount,
    batchSize,
    ageThreshold: props.oldestMessageAgeThreshold ?? Duration.minutes(5),
  };
}
