import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ConfigChangedV1 } from '../../functions/events/config';
import { UserLoginSucceededV1 } from '../../functions/events/identity';
import { ApiAuthorization, type Consumer, CourierFunction, type FailedMessageStore, grantTableKey, ON_BEHALF_OF_PERMISSION, type Outbox, ServiceApi, ServiceStack, type ServiceStackProps } from 'courier/constructs';
import { services } from '../../functions/events/services';
import { CONFIG_WRITE } from '../../functions/notifications/permissions';

export interface NotificationsStackProps extends Omit<ServiceStackProps, 'serviceName'> {
  /**
   * How callers of the notifications API authenticate.
   * @default ApiAuthorization.iam()
   */
  readonly apiAuthorization?: ApiAuthorization;
}

/** Every notifications table is keyed by a string `pk` with a prefix naming the item's kind. */
const PK = { name: 'pk', type: dynamodb.AttributeType.STRING };

/**
 * The broadcast producers and subscribers (services `identity`, `config` and `notifications` in
 * functions/events/services.ts), deployed as one stack:
 * - an HTTP API (every route needs a caller identity): `POST /logins` publishes `user.login_succeeded.v1`
 *   for the calling user (fire-and-forget, failed-message store behind it); `PUT /config/{key}` (permission
 *   `config:write`) writes the config table and `config.changed.v1` through the outbox; `GET /config/{key}`
 *   reads it;
 * - three independent consumers: `audit-log` (both events), `login-counter`, `config-cache`.
 */
export class NotificationsStack extends ServiceStack {
  readonly configTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly loginCounterTable: dynamodb.Table;
  readonly configCacheTable: dynamodb.Table;
  readonly outbox: Outbox;
  readonly failedMessages: FailedMessageStore;
  readonly apiFunction: CourierFunction;
  /** The HTTP API with its authorization (`http.permissionRoles`: the role per permission). */
  readonly http: ServiceApi;
  readonly api: apigw.HttpApi;
  readonly apiStage: apigw.HttpStage;
  readonly auditLog: Consumer;
  readonly loginCounter: Consumer;
  readonly configCache: Consumer;
  /** Base URL of the API (`…/logins`, `…/config/{key}`), also the `ApiUrl` output. */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: NotificationsStackProps) {
    super(scope, id, { services, ...props, serviceName: 'notifications' });

    // Construct ids differ from the output names (AuditTable…), which share the stack's namespace.
    this.configTable = this.addTable('ConfigStore', { partitionKey: PK });
    // Separate tables rather than one with prefixes: each consumer is granted only its own table.
    this.auditTable = this.addTable('AuditEntries', { partitionKey: PK });
    // Counts per user, and one fence per counted sign-in that expires (TTL) long after any redelivery.
    this.loginCounterTable = this.addTable('LoginCounts', { partitionKey: PK, timeToLiveAttribute: 'expires_at' });
    this.configCacheTable = this.addTable('CachedConfig', { partitionKey: PK });

    // Logins: no state change to pair the event with, so fire-and-forget into the failed-message store.
    // Config changes: a state change, so the outbox (which parks rows it cannot publish in its own table).
    // Each publisher may put only its own sources on the bus: the retrier the sign-ins (identity), the
    // outbox's relay and sweeper the config changes (config).
    this.failedMessages = this.addFailedMessageStore({ sources: this.publishedSources('identity') });
    this.outbox = this.addOutbox({ sources: this.publishedSources('config') });

    this.apiFunction = new CourierFunction(this, 'ApiFunction', {
      entry: 'functions/notifications/api.ts',
      serviceName: this.serviceName,
      description: 'courier notifications: HTTP API (POST /logins, PUT and GET /config/{key})',
      // The publisher's own deadline is 2 s; a request never needs more than a few seconds.
      timeout: Duration.seconds(10),
      environment: { CONFIG_TABLE: this.configTable.tableName },
      // the stack's esbuild settings (a test deployment's injected modules reach the API too)
      bundling: this.bundling,
    });
    iam.Grant.addToPrincipal({
      grantee: this.apiFunction,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resourceArns: [this.configTable.tableArn],
    });
    grantTableKey(this.apiFunction, this.configTable);
    this.outbox.grantWriter(this.apiFunction);
    this.failedMessages.grantPublisher(this.apiFunction);
    // Publishes sign-ins itself (config changes go through the outbox): user.login_succeeded.v1 only.
    this.grantPublish(this.apiFunction, this.publishedSources('identity'));
    const http = (this.http = new ServiceApi(this, 'Http', {
      serviceName: this.serviceName,
      handler: this.apiFunction,
      alarmTopic: this.alarmTopic,
      authorization: props.apiAuthorization,
      // An identity service records sign-ins for the users it authenticated.
      permissions: [ON_BEHALF_OF_PERMISSION],
      routes: [
        { path: '/logins', methods: [apigw.HttpMethod.POST] },
        { path: '/config/{key}', methods: [apigw.HttpMethod.GET] },
        { path: '/config/{key}', methods: [apigw.HttpMethod.PUT], permission: CONFIG_WRITE },
      ],
    }));
    this.api = http.api;
    this.apiStage = http.stage;
    this.apiUrl = http.url;

    this.auditLog = this.addConsumer('audit-log', {
      events: [UserLoginSucceededV1, ConfigChangedV1],
      entry: 'functions/notifications/audit-log.ts',
      tables: { AUDIT_TABLE: this.auditTable },
    });
    this.loginCounter = this.addConsumer('login-counter', {
      events: [UserLoginSucceededV1],
      entry: 'functions/notifications/login-counter.ts',
      tables: { LOGIN_COUNTER_TABLE: this.loginCounterTable },
    });
    this.configCache = this.addConsumer('config-cache', {
      events: [ConfigChangedV1],
      entry: 'functions/notifications/config-cache.ts',
      tables: { CONFIG_CACHE_TABLE: this.configCacheTable },
    });

    new CfnOutput(this, 'AuditTable', { value: this.auditTable.tableName, description: 'append-only audit log of broadcast events' });
    new CfnOutput(this, 'LoginCounterTable', { value: this.loginCounterTable.tableName, description: 'sign-ins per user' });
    new CfnOutput(this, 'ConfigCacheTable', { value: this.configCacheTable.tableName, description: 'config values as the config-cache consumer sees them' });
    new CfnOutput(this, 'ConfigTable', { value: this.configTable.tableName, description: 'config values (source of truth)' });
  }
}
