import { RemovalPolicy, Stack, Tags, type Duration, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ServiceMap } from '../../functions/contracts/services.js';
import { combineBundling } from './bundling.js';
import type { FunctionCode } from './courier-function.js';
import { Consumer, type ConsumerProps } from './consumer.js';
import { TAG_SERVICE, pascal } from './discovery.js';
import { grantPublishTo } from './event-bus.js';
import { FailedMessageStore, type FailedMessageStoreProps } from './failed-message-store.js';
import { tableEncryption } from './encryption.js';
import { IdempotencyTable } from './idempotency-table.js';
import { Outbox, type OutboxProps } from './outbox.js';
import { ServiceDashboard } from './service-dashboard.js';
import type { MessagingResources } from './messaging-stack.js';

export interface ServiceStackProps extends StackProps {
  /** The service (`orders`, `inventory`…); must match its entry in `services` when that is given. */
  readonly serviceName: string;
  /**
   * The app's map of who publishes and consumes what. When it lists this service, `addConsumer`
   * refuses events the service does not consume according to it.
   * @default - no check
   */
  readonly services?: ServiceMap;
  /** Bus and alarm topic from the MessagingStack. */
  readonly messaging: MessagingResources;
  /**
   * Removal policy of every table this stack creates.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * esbuild settings added to every function the stack bundles from source (its consumers, and the
   * functions a subclass builds with `this.bundling`), e.g. an `inject` a test deployment adds.
   * @default - courier's settings only
   */
  readonly bundling?: nodejs.BundlingOptions;
  /**
   * The code of the toolkit's own functions in this stack: the outbox relay and sweeper and the
   * failed-message retrier.
   * @default - courier's prebuilt handlers
   */
  readonly toolkitCode?: { readonly relay?: FunctionCode; readonly sweeper?: FunctionCode; readonly retrier?: FunctionCode };
  /**
   * Customer-managed KMS key for every queue (consumer queues, DLQs, target DLQs, relay DLQ) and every
   * table (business, idempotency, outbox, failed messages) this stack creates; functions are granted
   * its use with their table and queue access, and EventBridge may use it for rules on the bus.
   * Define it in this stack's app (e.g. in the MessagingStack) so that its key policy can take
   * EventBridge's statement.
   * @default - AWS-owned keys: SQS-managed SSE and DynamoDB's default encryption
   */
  readonly encryptionKey?: kms.IKey;
}

/** What a consumer declaration in a service stack supplies; the stack fills in the rest. */
export type ConsumerOptions = Omit<ConsumerProps, 'name' | 'serviceName' | 'bus' | 'idempotencyTable' | 'alarmTopic' | 'encryptionKey'> & {
  /**
   * The bus the consumer's rule listens on: AWS services send their events (S3, EC2, …) to the
   * account's `default` bus, not to the app's.
   * @default - the messaging stack's bus
   */
  readonly bus?: events.IEventBus;
};

/** Props of a business table: key schema and indexes; billing, PITR and removal policy are fixed. */
export interface BusinessTableOptions {
  readonly partitionKey: dynamodb.Attribute;
  /** @default - none */
  readonly sortKey?: dynamodb.Attribute;
  /** @default - none */
  readonly timeToLiveAttribute?: string;
  /** @default - none */
  readonly globalSecondaryIndexes?: dynamodb.GlobalSecondaryIndexProps[];
  /** @default - none */
  readonly stream?: dynamodb.StreamViewType;
}

/**
 * Base of every service stack: its tables, its consumers (one `addConsumer` call each), optional outbox
 * and failed-message store, and one dashboard that every component joins. Subclasses only declare.
 *
 * ```ts
 * export class InventoryStack extends ServiceStack {
 *   constructor(scope: Construct, id: string, props: Omit<ServiceStackProps, 'serviceName'>) {
 *     super(scope, id, { ...props, serviceName: 'inventory' });
 *     const stock = this.addTable('Stock', { partitionKey: { name: 'sku', type: AttributeType.STRING } });
 *     this.addConsumer('inventory-reserve', {
 *       events: [OrderCreatedV1],
 *       entry: 'functions/inventory/reserve.ts',
 *       tables: { STOCK_TABLE: stock },
 *     });
 *   }
 * }
 * ```
 */
export class ServiceStack extends Stack {
  readonly serviceName: string;
  readonly bus: events.IEventBus;
  readonly alarmTopic: sns.ITopic;
  /** The bus archive's retention, when the messaging stack has an archive (consumers' horizons must cover it). */
  readonly archiveRetention?: Duration;
  readonly dashboard: ServiceDashboard;
  readonly consumers: Consumer[] = [];
  readonly tableRemovalPolicy: RemovalPolicy;
  /** esbuild settings for every function the stack bundles (see `ServiceStackProps.bundling`). */
  readonly bundling?: nodejs.BundlingOptions;
  private readonly toolkitCode: NonNullable<ServiceStackProps['toolkitCode']>;
  /** Customer-managed key of the stack's queues and tables (see `ServiceStackProps.encryptionKey`). */
  readonly encryptionKey?: kms.IKey;
  /** The app's services map, when given (see `ServiceStackProps.services`). */
  readonly services?: ServiceMap;
  private idempotency?: IdempotencyTable;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, { description: `courier: ${props.serviceName} service`, ...props });
    this.serviceName = props.serviceName;
    this.services = props.services;
    this.bundling = props.bundling;
    this.toolkitCode = props.toolkitCode ?? {};
    this.bus = props.messaging.bus;
    this.alarmTopic = props.messaging.alarmTopic;
    this.archiveRetention = props.messaging.archiveRetention;
    this.tableRemovalPolicy = props.tableRemovalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey = props.encryptionKey;
    this.dashboard = new ServiceDashboard(this, 'Dashboard', { serviceName: props.serviceName });
    Tags.of(this).add(TAG_SERVICE, props.serviceName);
  }

  /** The service's idempotency table, shared by its consumers (created with the first consumer). */
  get idempotencyTable(): dynamodb.Table {
    this.idempotency ??= new IdempotencyTable(this, 'Idempotency', {
      removalPolicy: this.tableRemovalPolicy,
      encryptionKey: this.encryptionKey,
    });
    return this.idempotency.table;
  }

  /**
   * Declares a consumer: queue + DLQ + rule + function + alarms, joined to the dashboard. Refuses
   * events the service does not consume according to the app's `services` map, when given.
   */
  addConsumer(name: string, options: ConsumerOptions): Consumer {
    const contract = this.services?.[this.serviceName];
    if (contract) {
      const declared = new Set(contract.consumes.map((e) => e.detailType));
      const undeclared = options.events.filter((e) => !declared.has(e.detailType)).map((e) => e.detailType);
      if (undeclared.length > 0) {
        throw new Error(
          `${this.serviceName}: consumer ${name} subscribes to ${undeclared.join(', ')}, which the services map does not list under ${this.serviceName}.consumes`,
        );
      }
    }
    const consumer = new Consumer(this, pascal(name), {
      ...options,
      bundling: combineBundling(this.bundling, options.bundling),
      name,
      serviceName: this.serviceName,
      bus: options.bus ?? this.bus,
      idempotencyTable: this.idempotencyTable,
      alarmTopic: this.alarmTopic,
      encryptionKey: this.encryptionKey,
      archiveRetention: options.archiveRetention ?? this.archiveRetention,
    });
    this.consumers.push(consumer);
    this.dashboard.addConsumer(consumer);
    return consumer;
  }

  /**
   * A business table with courier's table defaults (on-demand, PITR, the stack's removal policy and
   * encryption key). Grant access with `grantTable`, which includes the key.
   */
  addTable(id: string, options: BusinessTableOptions): dynamodb.Table {
    const table = new dynamodb.Table(this, id, {
      partitionKey: options.partitionKey,
      sortKey: options.sortKey,
      timeToLiveAttribute: options.timeToLiveAttribute,
      stream: options.stream,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: this.tableRemovalPolicy,
      ...tableEncryption(this.encryptionKey),
    });
    for (const gsi of options.globalSecondaryIndexes ?? []) table.addGlobalSecondaryIndex(gsi);
    return table;
  }

  /** The service's transactional outbox (table + relay + sweeper), joined to the dashboard. */
  addOutbox(options: Partial<Omit<OutboxProps, 'serviceName' | 'bus' | 'alarmTopic'>> = {}): Outbox {
    const outbox = new Outbox(this, 'Outbox', {
      removalPolicy: this.tableRemovalPolicy,
      relayCode: this.toolkitCode.relay,
      sweeperCode: this.toolkitCode.sweeper,
      encryptionKey: this.encryptionKey,
      ...options,
      serviceName: this.serviceName,
      bus: this.bus,
      alarmTopic: this.alarmTopic,
    });
    this.dashboard.addOutbox(outbox);
    return outbox;
  }

  /** The service's failed-message store (table + retrier + parked alarm), joined to the dashboard. */
  addFailedMessageStore(
    options: Partial<Omit<FailedMessageStoreProps, 'serviceName' | 'bus' | 'alarmTopic'>> = {},
  ): FailedMessageStore {
    const store = new FailedMessageStore(this, 'FailedMessages', {
      removalPolicy: this.tableRemovalPolicy,
      retrierCode: this.toolkitCode.retrier,
      encryptionKey: this.encryptionKey,
      ...options,
      serviceName: this.serviceName,
      bus: this.bus,
      alarmTopic: this.alarmTopic,
    });
    this.dashboard.addFailedMessageStore(store);
    return store;
  }

  /** Lets a function publish to the bus (`events:PutEvents` on it only) and sets `EVENT_BUS_NAME`. */
  grantPublish(grantee: iam.IGrantable & { addEnvironment?: (k: string, v: string) => unknown }): void {
    grantPublishTo(this.bus, grantee);
  }
}

