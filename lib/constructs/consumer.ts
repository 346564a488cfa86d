import { CfnOutput, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { EVENTS_TARGET_QUEUE_SAME_ACCOUNT } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { ENV } from '../../functions/contracts/conventions.js';
import { notify } from './alarm-topic.js';
import { alarmName, dlqDepthAlarm, functionAlarms } from './alarms.js';
import { acceptOnlyFromRule, acknowledgeKeyGrants } from './encryption.js';
import { validateConsumerProps, DEFAULT_MAX_RECEIVE_COUNT, type ConsumerProps, type ConsumerSettings } from './consumer-props.js';
import { CourierFunction } from './courier-function.js';
import { TAG_CONSUMER, TAG_ROLE, TAG_SERVICE, outputId } from './discovery.js';
import { secureQueue } from './queues.js';
import { grantTable } from './table-access.js';

export * from './consumer-props.js';

/** Alarms of one consumer; every one notifies the alarm topic. */
export interface ConsumerAlarms {
  readonly dlqDepth: cloudwatch.Alarm;
  readonly targetDlqDepth: cloudwatch.Alarm;
  readonly oldestMessageAge: cloudwatch.Alarm;
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
}

/**
 * One consumer of bus events: rule → SQS queue (DLQ via redrive) → Lambda with partial batch response.
 * Every safety default is built in and the unsafe settings are refused: a consumer cannot be declared
 * without its DLQ, its alarms and `ReportBatchItemFailures`.
 *
 * @example
 * new Consumer(this, 'Dispatch', {
 *   name: 'shipping-dispatch',
 *   serviceName: 'shipping',
 *   bus,
 *   events: [OrderPaidV1],
 *   entry: 'src/dispatch.ts',
 *   idempotencyTable,
 *   alarmTopic,
 * });
 */
export class Consumer extends Construct {
  readonly name: string;
  readonly serviceName: string;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  /** Where EventBridge puts events it could not deliver to `queue`. */
  readonly targetDlq: sqs.Queue;
  readonly rule: events.Rule;
  readonly fn: lambda.Function;
  /** The idempotency table its claims and markers live in. */
  readonly idempotencyTable: dynamodb.ITable;
  readonly alarms: ConsumerAlarms;
  /** The detail-types the rule matches. */
  readonly detailTypes: string[];
  /** How long its markers suppress duplicates: the oldest event it may safely receive again. */
  readonly idempotencyHorizon: Duration;

  constructor(scope: Construct, id: string, props: ConsumerProps) {
    super(scope, id);
    // With a key, aws-cdk-lib's SqsQueue target lets EventBridge use it only for this account's rules.
    if (props.encryptionKey) this.node.setContext(EVENTS_TARGET_QUEUE_SAME_ACCOUNT, true);
    const settings = validateConsumerProps(props);
    this.name = props.name;
    this.serviceName = props.serviceName;
    this.detailTypes = props.events.map((e) => e.detailType);
    this.idempotencyTable = props.idempotencyTable;
    [this.queue, this.dlq, this.targetDlq] = this.buildQueues(props, settings);
    this.rule = this.buildRule(props, settings);
    this.fn = props.existingFunction ?? this.buildFunction(props, settings);
    this.connectFunction(props, settings);
    this.alarms = this.buildAlarms(props, settings);
    this.idempotencyHorizon = settings.idempotencyHorizon;
    this.publishDiscovery();
  }

  /** The queue, its DLQ (redrive after maxReceiveCount) and the rule target's DLQ. */
  private buildQueues(props: ConsumerProps, settings: ConsumerSettings): [sqs.Queue, sqs.Queue, sqs.Queue] {
    const fifo = settings.fifo || undefined;
    const encryptionMasterKey = props.encryptionKey;
    const dlq = secureQueue(this, 'Dlq', { retentionPeriod: settings.dlqRetention, fifo, encryptionMasterKey }, props.queueProps);
    const queue = secureQueue(
      this,
      'Queue',
      {
        encryptionMasterKey,
        fifo,
        retentionPeriod: settings.retention,
        visibilityTimeout: settings.visibilityTimeout,
        deadLetterQueue: { queue: dlq, maxReceiveCount: settings.maxReceiveCount },
      },
      props.queueProps,
    );
    // EventBridge requires a standard queue as a target DLQ, even for FIFO targets.
    const targetDlq = secureQueue(this, 'TargetDlq', { retentionPeriod: settings.dlqRetention, encryptionMasterKey }, props.queueProps);
    Validations.of(targetDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (the EventBridge rule target DLQ); a DLQ of a DLQ would only hide failures. Its depth is alarmed.',
    });
    return [queue, dlq, targetDlq];
  }

  /** One rule: the consumer's detail-types and sources, replays excluded unless asked for; the queue as target with its DLQ. */
  private buildRule(props: ConsumerProps, settings: ConsumerSettings): events.Rule {
    const rule = new events.Rule(this, 'Rule', {
      eventBus: props.bus,
      description: `courier: ${props.name} receives ${this.detailTypes.join(', ')}`,
      eventPattern: { source: [...new Set(props.events.map((e) => e.source))], detailType: this.detailTypes },
    });
    if (!(props.includeReplayed ?? false)) {
      (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [{ exists: false }]);
    }
    // The SqsQueue target adds the queue policy: events.amazonaws.com may SendMessage only with
    // aws:SourceArn = this rule (the same for the target DLQ).
    rule.addTarget(
      new targets.SqsQueue(this.queue, {
        deadLetterQueue: this.targetDlq,
        retryAttempts: props.targetRetryAttempts ?? 185,
        maxEventAge: props.targetMaxEventAge ?? Duration.hours(24),
        messageGroupId: settings.fifo ? (props.messageGroupId ?? props.name) : undefined,
      }),
    );
    if (props.encryptionKey) acceptOnlyFromRule(this.queue, rule);
    return rule;
  }

  /** The consumer's own function, from the app's `entry` (bundled) or prebuilt `code`. */
  private buildFunction(props: ConsumerProps, settings: ConsumerSettings): CourierFunction {
    return new CourierFunction(this, 'Function', {
      entry: props.entry,
      code: props.code,
      handler: props.handler,
      depsLockFilePath: props.depsLockFilePath,
      projectRoot: props.projectRoot,
      bundling: props.bundling,
      serviceName: props.serviceName,
      description: `courier consumer ${props.name}`,
      timeout: settings.timeout,
      memorySize: props.memorySize,
      logRetention: props.logRetention,
      environment: props.environment,
      functionProps: props.functionProps,
    });
  }

  /** Event source (partial batch response), the convention environment, and least-privilege grants. */
  private connectFunction(props: ConsumerProps, settings: ConsumerSettings): void {
    const conventions = {
      [ENV.consumerName]: props.name,
      [ENV.idempotencyTable]: props.idempotencyTable.tableName,
      [ENV.idempotencyHorizonSeconds]: String(settings.idempotencyHorizon.toSeconds()),
      [ENV.dlqUrl]: this.dlq.queueUrl,
      ...(props.existingFunction && { [ENV.serviceName]: props.serviceName, ...props.environment }),
    };
    for (const [key, value] of Object.entries(conventions)) this.fn.addEnvironment(key, value);
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
    if (props.encryptionKey) acknowledgeKeyGrants(this.fn);
    grantTable(this.fn, props.idempotencyTable);
    for (const [envName, grant] of Object.entries(props.tables ?? {})) {
      const table = 'tableArn' in grant ? grant : grant.table;
      this.fn.addEnvironment(envName, table.tableName);
      grantTable(this.fn, grant);
    }
  }

  private buildAlarms(props: ConsumerProps, settings: ConsumerSettings): ConsumerAlarms {
    const topic = props.alarmTopic;
    const fnAlarms = functionAlarms(this, this.fn, topic, props.name, 'Function');
    const oldestMessageAge = this.queue
      .metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(this, 'OldestMessageAgeAlarm', {
        alarmName: alarmName(this, props.name, 'oldest-message-age'),
        alarmDescription: `${props.name}: the oldest message waited longer than ${settings.ageThreshold.toHumanString()} (consumer stuck, failing or too slow).`,
        threshold: settings.ageThreshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    notify(oldestMessageAge, topic);
    return {
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
      oldestMessageAge,
      errors: fnAlarms.errors,
      throttles: fnAlarms.throttles,
    };
  }

  /** Discovery for the ops CLI: tags on the resources, one JSON output per consumer. */
  private publishDiscovery(): void {
    Tags.of(this).add(TAG_CONSUMER, this.name);
    Tags.of(this).add(TAG_SERVICE, this.serviceName);
    Tags.of(this.queue).add(TAG_ROLE, 'queue');
    Tags.of(this.dlq).add(TAG_ROLE, 'dlq');
    Tags.of(this.targetDlq).add(TAG_ROLE, 'target-dlq');
    Tags.of(this.fn).add(TAG_ROLE, 'function');
    new CfnOutput(this, 'Discovery', {
      description: `courier:consumer ${this.name}`,
      value: Stack.of(this).toJsonString(this.describe()),
    }).overrideLogicalId(outputId('Consumer', this.name));
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
      idempotencyHorizonSeconds: this.idempotencyHorizon.toSeconds(),
      alarms: Object.fromEntries(Object.entries(this.alarms).map(([k, a]) => [k, a.alarmName])),
    };
  }
}
