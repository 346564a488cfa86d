import { CfnOutput, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notify } from './alarm-topic.js';
import { alarmName, dlqDepthAlarm, functionAlarms } from './alarms.js';
import { TAG_COMPONENT, TAG_ROLE, TAG_SERVICE, outputId } from './discovery.js';
import { tableEncryption } from './encryption.js';
import { grantPublishTo } from './event-bus.js';
import { ENV, METRICS, OUTBOX_TABLE } from '../../functions/contracts/conventions.js';
import { CourierFunction, type FunctionCode } from './courier-function.js';
import { DLQ_RETENTION, secureQueue } from './queues.js';
import { toolkitAsset } from './toolkit-assets.js';
import { serviceCountMetric } from './observability.js';
import { grantTableKey } from './table-access.js';

/** The sparse index of unpublished rows the sweeper queries (shared with the runtime). */
export const OUTBOX_PENDING_INDEX = OUTBOX_TABLE.pendingIndex;
/** Stream records per relay invocation unless the outbox says otherwise. */
export const DEFAULT_RELAY_BATCH_SIZE = 100;

/** Props of an {@link Outbox}: the service, the bus and sources its relay and sweeper publish, and their pacing. */
export interface OutboxProps {
  /** Owning service (`SERVICE_NAME`, tags, output name). */
  readonly serviceName: string;
  /** The bus the relay and sweeper publish to (`EVENT_BUS_NAME`). */
  readonly bus: events.IEventBus;
  /**
   * The event sources the outbox's rows carry: the relay and the sweeper may publish these and no others
   * (`events:source`).
   */
  readonly sources: readonly string[];
  /** Every alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Sweeps that may fail to publish a row (retryably) before the sweeper parks it (`MAX_ATTEMPTS`). A row
   * the bus refuses permanently is parked at once, by the relay or the sweeper.
   * @default - the sweeper's own default (12: an hour of failed sweeps at the default interval)
   */
  readonly maxAttempts?: number;
  /**
   * The relay's code (stream → PutEvents), e.g. an entry of the app's own that wraps courier's relay.
   * @default - courier's prebuilt relay
   */
  readonly relayCode?: FunctionCode;
  /**
   * The sweeper's code (republishes rows the relay missed).
   * @default - courier's prebuilt sweeper
   */
  readonly sweeperCode?: FunctionCode;
  /**
   * How often the sweeper runs.
   * @default Duration.minutes(5)
   */
  readonly sweepInterval?: Duration;
  /**
   * Age after which the sweeper treats a still-pending row as missed by the relay and republishes it
   * (`SWEEP_AFTER_SECONDS`).
   * @default - the sweeper's own default (60 seconds)
   */
  readonly sweepAfter?: Duration;
  /**
   * Relay timeout.
   * @default Duration.seconds(30)
   */
  readonly relayTimeout?: Duration;
  /**
   * Sweeper timeout.
   * @default Duration.seconds(60)
   */
  readonly sweeperTimeout?: Duration;
  /**
   * Stream records per relay invocation.
   * @default 100
   */
  readonly relayBatchSize?: number;
  /**
   * Retries of a failing stream batch (after bisecting) before its metadata goes to the relay DLQ.
   * @default 10
   */
  readonly relayRetryAttempts?: number;
  /**
   * Oldest stream record the relay still retries; older ones go to the relay DLQ (the sweeper
   * publishes the row anyway).
   * @default Duration.hours(1)
   */
  readonly relayMaxRecordAge?: Duration;
  /**
   * Alarm when the relay lags the stream by more than this.
   * @default Duration.minutes(5)
   */
  readonly relayIteratorAgeThreshold?: Duration;
  /**
   * What happens to the outbox table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the functions' log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed KMS key for the outbox table and the relay DLQ.
   * @default - DynamoDB's AWS-owned key and SQS-managed SSE
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Refuses outbox props that cannot work, at synth, naming the prop.
 *
 * @example
 * validateOutboxProps({ serviceName: 'shipping', bus, alarmTopic, sources: ['acme.shipping'], maxAttempts: 0 }); // throws
 */
export function validateOutboxProps(props: OutboxProps): void {
  if (props.maxAttempts !== undefined && (!Number.isInteger(props.maxAttempts) || props.maxAttempts < 1)) {
    throw new Error(`Outbox ${props.serviceName}: maxAttempts must be a positive integer`);
  }
}

/**
 * Transactional outbox: the table (stream NEW_AND_OLD_IMAGES, sparse GSIs `pending-by-age` and
 * `parked-by-time`, TTL), the relay on its stream (INSERTs only, partial batch response, bisect, bounded
 * retries, on-failure DLQ) and the scheduled sweeper for rows the relay missed. Rows the bus refuses
 * permanently, or that keep failing for `maxAttempts` sweeps, are parked in the table with their reason
 * (never published on their own again; `courier outbox status` lists them) and alarmed.
 *
 * @example
 * const outbox = new Outbox(this, 'Outbox', { serviceName: 'shipping', bus, alarmTopic, sources: ['acme.shipping'] });
 * outbox.grantWriter(apiFunction);
 */
export class Outbox extends Construct {
  readonly table: dynamodb.Table;
  readonly relay: CourierFunction;
  readonly relayDlq: sqs.Queue;
  readonly sweeper: CourierFunction;
  readonly sweepRule: events.Rule;
  readonly alarms: {
    readonly relayDlqDepth: cloudwatch.Alarm;
    readonly relayErrors: cloudwatch.Alarm;
    readonly relayThrottles: cloudwatch.Alarm;
    readonly relayIteratorAge: cloudwatch.Alarm;
    readonly sweeperErrors: cloudwatch.Alarm;
    readonly parked: cloudwatch.Alarm;
  };
  private readonly serviceName: string;

  constructor(scope: Construct, id: string, props: OutboxProps) {
    super(scope, id);
    validateOutboxProps(props);
    this.serviceName = props.serviceName;
    this.table = this.buildTable(props);
    [this.relay, this.relayDlq] = this.buildRelay(props);
    [this.sweeper, this.sweepRule] = this.buildSweeper(props);
    this.alarms = this.buildAlarms(props);
    this.tag();
    this.publishDiscovery();
  }

  /** The table: stream for the relay, TTL on published rows, sparse indexes of pending and parked rows. */
  private buildTable(props: OutboxProps): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: OUTBOX_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: OUTBOX_TABLE.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...tableEncryption(props.encryptionKey),
    });
    // Sparse: only rows that still carry `pending` (unpublished) are in the index.
    table.addGlobalSecondaryIndex({
      indexName: OUTBOX_PENDING_INDEX,
      partitionKey: { name: 'pending', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'created_at', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // Sparse: only parked rows carry `parked`; the operator's list (courier outbox status), newest last.
    table.addGlobalSecondaryIndex({
      indexName: OUTBOX_TABLE.parkedIndex,
      partitionKey: { name: 'parked', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'parked_at', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    return table;
  }

  /** The relay on the table's stream (INSERTs only), with its on-failure DLQ and its grants. */
  private buildRelay(props: OutboxProps): [CourierFunction, sqs.Queue] {
    const dlq = secureQueue(this, 'RelayDlq', { retentionPeriod: DLQ_RETENTION, encryptionMasterKey: props.encryptionKey });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue (on-failure destination of the outbox stream mapping); its depth is alarmed.',
    });
    const relay = new CourierFunction(this, 'Relay', {
      ...(props.relayCode ?? { code: toolkitAsset('relay') }),
      serviceName: props.serviceName,
      description: `courier ${props.serviceName}: outbox stream relay`,
      timeout: props.relayTimeout ?? Duration.seconds(30),
      logRetention: props.logRetention,
      environment: { [ENV.outboxTable]: this.table.tableName },
    });
    // Grants stream read on this table's stream and SendMessage on the relay DLQ.
    relay.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.relayBatchSize ?? DEFAULT_RELAY_BATCH_SIZE,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.relayRetryAttempts ?? 10,
        maxRecordAge: props.relayMaxRecordAge ?? Duration.hours(1),
        onFailure: new SqsDlq(dlq),
        filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
      }),
    );
    Validations.of(relay.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams added by the DynamoDB event source cannot be scoped to a resource (the action does not support resource-level permissions); stream reads themselves are scoped to this table\'s stream.',
    });
    this.grantRepublish(relay, props);
    return [relay, dlq];
  }

  /** The scheduled sweeper for rows the relay missed, and its schedule. */
  private buildSweeper(props: OutboxProps): [CourierFunction, events.Rule] {
    const sweeper = new CourierFunction(this, 'Sweeper', {
      ...(props.sweeperCode ?? { code: toolkitAsset('sweeper') }),
      serviceName: props.serviceName,
      description: `courier ${props.serviceName}: republishes outbox rows the relay missed`,
      timeout: props.sweeperTimeout ?? Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        [ENV.outboxTable]: this.table.tableName,
        ...(props.sweepAfter ? { [ENV.sweepAfterSeconds]: String(props.sweepAfter.toSeconds()) } : {}),
        ...(props.maxAttempts !== undefined ? { [ENV.maxAttempts]: String(props.maxAttempts) } : {}),
      },
    });
    iam.Grant.addToPrincipal({
      grantee: sweeper,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${OUTBOX_PENDING_INDEX}`],
    });
    this.grantRepublish(sweeper, props);
    const schedule = new events.Rule(this, 'SweepSchedule', {
      description: `courier ${props.serviceName}: outbox sweep`,
      schedule: events.Schedule.rate(props.sweepInterval ?? Duration.minutes(5)),
      targets: [new targets.LambdaFunction(sweeper, { retryAttempts: 0 })],
    });
    return [sweeper, schedule];
  }

  /** What the relay and the sweeper share: publish the outbox's sources, re-read rows consistently, mark them. */
  private grantRepublish(fn: CourierFunction, props: OutboxProps): void {
    grantPublishTo(props.bus, fn, props.sources);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
    grantTableKey(fn, this.table);
  }

  /** Relay and sweeper health, relay lag and parked rows, each notifying the alarm topic. */
  private buildAlarms(props: OutboxProps): Outbox['alarms'] {
    const topic = props.alarmTopic;
    const owner = `${props.serviceName}-outbox`;
    const relayAlarms = functionAlarms(this, this.relay, topic, owner, 'Relay');
    const sweeperAlarms = functionAlarms(this, this.sweeper, topic, owner, 'Sweeper');
    const iteratorAge = props.relayIteratorAgeThreshold ?? Duration.minutes(5);
    return {
      relayDlqDepth: dlqDepthAlarm(
        this,
        'RelayDlqDepthAlarm',
        this.relayDlq,
        topic,
        alarmName(this, owner, 'relay-dlq-depth'),
        `${owner}: stream batches the relay gave up on (the sweeper still republishes the rows). Run: courier outbox status`,
      ),
      relayErrors: relayAlarms.errors,
      relayThrottles: relayAlarms.throttles,
      relayIteratorAge: notify(
        this.relay
          .metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' })
          .createAlarm(this, 'RelayIteratorAgeAlarm', {
            alarmName: alarmName(this, owner, 'relay-iterator-age'),
            alarmDescription: `${owner}: the relay lags the outbox stream by more than ${iteratorAge.toHumanString()}.`,
            threshold: iteratorAge.toMilliseconds(),
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluationPeriods: 3,
            datapointsToAlarm: 3,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        topic,
      ),
      sweeperErrors: sweeperAlarms.errors,
      parked: notify(
        this.metricParked().createAlarm(this, 'ParkedAlarm', {
          alarmName: alarmName(this, owner, 'parked'),
          alarmDescription: `${owner}: outbox rows parked (refused by the bus, or failing for every sweep); they are not published. Run: courier outbox status --service ${props.serviceName}`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        topic,
      ),
    };
  }

  /** Tags the ops CLI and the console group resources by. */
  private tag(): void {
    Tags.of(this).add(TAG_SERVICE, this.serviceName);
    Tags.of(this).add(TAG_COMPONENT, 'outbox');
    Tags.of(this.table).add(TAG_ROLE, 'table');
    Tags.of(this.relay).add(TAG_ROLE, 'relay');
    Tags.of(this.relayDlq).add(TAG_ROLE, 'relay-dlq');
    Tags.of(this.sweeper).add(TAG_ROLE, 'sweeper');
  }

  /** The `courier:outbox` stack output the ops CLI discovers the outbox from. */
  private publishDiscovery(): void {
    new CfnOutput(this, 'Discovery', {
      description: `courier:outbox ${this.serviceName}`,
      value: Stack.of(this).toJsonString({
        kind: 'outbox',
        service: this.serviceName,
        tableName: this.table.tableName,
        pendingIndex: OUTBOX_PENDING_INDEX,
        parkedIndex: OUTBOX_TABLE.parkedIndex,
        relayFunctionName: this.relay.functionName,
        relayDlqUrl: this.relayDlq.queueUrl,
        relayDlqArn: this.relayDlq.queueArn,
        sweeperFunctionName: this.sweeper.functionName,
        alarms: Object.fromEntries(Object.entries(this.alarms).map(([k, a]) => [k, a.alarmName])),
      }),
    }).overrideLogicalId(outputId('Outbox', this.serviceName));
  }

  /** EMF metric `outbox_parked` for this service (emitted by the relay and the sweeper), in the app's metrics namespace. */
  metricParked(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return serviceCountMetric(this, METRICS.outboxParked, this.serviceName, options);
  }

  /**
   * Lets a business function write items together with their outbox rows (TransactWriteItems of Put /
   * ConditionCheck on the outbox table) and sets `OUTBOX_TABLE`.
   */
  grantWriter(fn: lambda.Function): void {
    fn.addEnvironment(ENV.outboxTable, this.table.tableName);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
      resourceArns: [this.table.tableArn],
    });
    grantTableKey(fn, this.table);
  }
}
