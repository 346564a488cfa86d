import { CfnOutput, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { notify } from './alarm-topic.js';
import { alarmName, functionAlarms } from './alarms.js';
import { TAG_COMPONENT, TAG_ROLE, TAG_SERVICE, outputId } from './discovery.js';
import { tableEncryption } from './encryption.js';
import { grantPublishTo } from './event-bus.js';
import { ENV, FAILED_MESSAGE_TABLE, METRICS } from '../../functions/contracts/conventions.js';
import { serviceCountMetric } from './observability.js';
import { CourierFunction, type FunctionCode } from './courier-function.js';
import { grantTableKey } from './table-access.js';
import { toolkitAsset } from './toolkit-assets.js';

/** The sparse index of retryable rows the retrier queries (shared with the runtime). */
export const FAILED_MESSAGE_DUE_INDEX = FAILED_MESSAGE_TABLE.dueIndex;

/** Props of a {@link FailedMessageStore}: the service, the bus and sources its retrier publishes, and retry pacing. */
export interface FailedMessageStoreProps {
  /** Owning service (`SERVICE_NAME`, metric dimension `service`, tags, output name). */
  readonly serviceName: string;
  /** The bus the retrier republishes to (`EVENT_BUS_NAME`). */
  readonly bus: events.IEventBus;
  /**
   * The event sources kept in the store: the retrier may publish these and no others (`events:source`).
   */
  readonly sources: readonly string[];
  /** Every alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The retrier's code, e.g. an entry of the app's own that wraps courier's retrier.
   * @default - courier's prebuilt retrier
   */
  readonly retrierCode?: FunctionCode;
  /**
   * How often the retrier runs.
   * @default Duration.minutes(1)
   */
  readonly retryInterval?: Duration;
  /**
   * Attempts before the retrier parks a message (`MAX_ATTEMPTS`).
   * @default - the retrier's own default (8)
   */
  readonly maxAttempts?: number;
  /**
   * Retrier timeout.
   * @default Duration.seconds(60)
   */
  readonly retrierTimeout?: Duration;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the retrier's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer-managed KMS key for the table.
   * @default - DynamoDB's AWS-owned key
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * Where fire-and-forget publishes that failed are kept: the table (sparse GSI `due-by-time`, TTL,
 * PITR), the scheduled retrier, and an alarm on parked messages (EMF `courier`/`parked`, dimension
 * `service`). `ServiceStack.addFailedMessageStore` builds one with the stack's bus, topic and key.
 *
 * @example
 * const store = new FailedMessageStore(this, 'FailedMessages', { serviceName: 'shipping', bus, alarmTopic, sources: ['acme.shipping'] });
 * store.grantPublisher(shippingApi);
 */
export class FailedMessageStore extends Construct {
  readonly table: dynamodb.Table;
  readonly retrier: CourierFunction;
  readonly retryRule: events.Rule;
  readonly alarms: {
    readonly parked: cloudwatch.Alarm;
    readonly retrierErrors: cloudwatch.Alarm;
  };
  private readonly serviceName: string;

  constructor(scope: Construct, id: string, props: FailedMessageStoreProps) {
    super(scope, id);
    if (props.maxAttempts !== undefined && (!Number.isInteger(props.maxAttempts) || props.maxAttempts < 1)) {
      throw new Error(`FailedMessageStore ${props.serviceName}: maxAttempts must be a positive integer`);
    }
    this.serviceName = props.serviceName;
    const owner = `${props.serviceName}-failed-messages`;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: FAILED_MESSAGE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: FAILED_MESSAGE_TABLE.ttlAttribute,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...tableEncryption(props.encryptionKey),
    });
    // Sparse: only rows still carrying `due` (retryable, not parked) are in the index.
    this.table.addGlobalSecondaryIndex({
      indexName: FAILED_MESSAGE_DUE_INDEX,
      partitionKey: { name: 'due', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'next_attempt_at', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.retrier = new CourierFunction(this, 'Retrier', {
      ...(props.retrierCode ?? { code: toolkitAsset('retrier') }),
      serviceName: props.serviceName,
      description: `courier ${props.serviceName}: republishes failed messages, parks them after N attempts`,
      timeout: props.retrierTimeout ?? Duration.seconds(60),
      logRetention: props.logRetention,
      environment: {
        [ENV.failedMessageTable]: this.table.tableName,
        ...(props.maxAttempts !== undefined ? { [ENV.maxAttempts]: String(props.maxAttempts) } : {}),
      },
    });
    grantPublishTo(props.bus, this.retrier, props.sources);
    iam.Grant.addToPrincipal({
      grantee: this.retrier,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.tableArn}/index/${FAILED_MESSAGE_DUE_INDEX}`],
    });
    iam.Grant.addToPrincipal({
      grantee: this.retrier,
      actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
    });
    grantTableKey(this.retrier, this.table);
    this.retryRule = new events.Rule(this, 'RetrySchedule', {
      description: `courier ${props.serviceName}: failed-message retry`,
      schedule: events.Schedule.rate(props.retryInterval ?? Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.retrier, { retryAttempts: 0 })],
    });

    const topic = props.alarmTopic;
    this.alarms = {
      parked: notify(
        this.metricParked().createAlarm(this, 'ParkedAlarm', {
          alarmName: alarmName(this, owner, 'parked'),
          alarmDescription: `${props.serviceName}: events parked after the retrier gave up; they are not published. Run: courier failed list`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        topic,
      ),
      retrierErrors: functionAlarms(this, this.retrier, topic, owner, 'Retrier').errors,
    };

    Tags.of(this).add(TAG_SERVICE, props.serviceName);
    Tags.of(this).add(TAG_COMPONENT, 'failed-messages');
    Tags.of(this.table).add(TAG_ROLE, 'table');
    Tags.of(this.retrier).add(TAG_ROLE, 'retrier');
    new CfnOutput(this, 'Discovery', {
      description: `courier:failed-messages ${props.serviceName}`,
      value: Stack.of(this).toJsonString({
        kind: 'failed-messages',
        service: props.serviceName,
        tableName: this.table.tableName,
        dueIndex: FAILED_MESSAGE_DUE_INDEX,
        retrierFunctionName: this.retrier.functionName,
        alarms: Object.fromEntries(Object.entries(this.alarms).map(([k, a]) => [k, a.alarmName])),
      }),
    }).overrideLogicalId(outputId('FailedMessages', props.serviceName));
  }

  /** EMF metric `parked` for this service (emitted by the retrier), in the app's metrics namespace. */
  metricParked(options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return serviceCountMetric(this, METRICS.parked, this.serviceName, options);
  }

  /**
   * Lets a publishing function keep what it could not publish (PutItem/UpdateItem on this table) and
   * sets `FAILED_MESSAGE_TABLE`.
   */
  grantPublisher(fn: lambda.Function): void {
    fn.addEnvironment(ENV.failedMessageTable, this.table.tableName);
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
    });
    grantTableKey(fn, this.table);
  }
}
