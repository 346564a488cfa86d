import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { InventoryRejectedV1, InventoryReleasedV1, InventoryReservedV1 } from '../../functions/events/inventory';
import { PointsAwardedV1, PointsRevokedV1 } from '../../functions/events/points';
import { RiskAssessedV1 } from '../../functions/events/risk';
import { ApiAuthorization, type Consumer, CourierFunction, grantTable, ON_BEHALF_OF_PERMISSION, type Outbox, ServiceApi, ServiceStack, type ServiceStackProps } from 'courier/constructs';
import { services } from '../../functions/events/services';

export interface OrdersStackProps extends Omit<ServiceStackProps, 'serviceName'> {
  /**
   * How callers of the orders API authenticate.
   * @default ApiAuthorization.iam()
   */
  readonly apiAuthorization?: ApiAuthorization;
}

/**
 * The orders service: an HTTP API that places, shows and cancels orders (order + outbox row in one
 * transaction), the outbox that announces them, and the consumer that records the reply events.
 *
 * Orders table, partition key `pk` (S): `ORDER#<order_id>` items (the order and its progress, `version`
 * for optimistic concurrency) and `IDEMPOTENCY#<key>` items (TTL attribute `expires_at`).
 *
 * Every route needs a caller identity (IAM by default, JWT with `apiAuthorization`). The customer is the
 * caller: a JWT's `sub`, or the `x-courier-on-behalf-of` user of a caller holding `users:on-behalf-of`
 * (IAM: the `ApiRoleUsersOnBehalfOf` role), which may also read and cancel any order acting as itself.
 */
export class OrdersStack extends ServiceStack {
  readonly ordersTable: dynamodb.Table;
  readonly outbox: Outbox;
  readonly apiFunction: CourierFunction;
  /** The HTTP API with its authorization (`http.permissionRoles`: the role per permission). */
  readonly http: ServiceApi;
  readonly progress: Consumer;
  readonly api: apigw.HttpApi;
  /** Base URL of the API (`$default` stage): `POST {apiUrl}/orders`. */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: OrdersStackProps) {
    super(scope, id, { services, ...props, serviceName: 'orders' });

    this.ordersTable = this.addTable('Orders', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expires_at',
    });
    this.outbox = this.addOutbox();

    this.apiFunction = new CourierFunction(this, 'ApiFunction', {
      entry: 'functions/orders/api.ts',
      serviceName: this.serviceName,
      description: 'courier orders: HTTP API (place, show, cancel orders)',
      // Well inside the HTTP API's 30 s integration limit; a request does two DynamoDB calls at most.
      timeout: Duration.seconds(10),
      environment: { ORDERS_TABLE: this.ordersTable.tableName },
      // the stack's esbuild settings (a test deployment's injected modules reach the API too)
      bundling: this.bundling,
    });
    grantTable(this.apiFunction, this.ordersTable);
    this.outbox.grantWriter(this.apiFunction);

    this.progress = this.addConsumer('orders-progress', {
      // the replies, and what inventory and points report they undid on a cancellation
      events: [InventoryReservedV1, InventoryRejectedV1, RiskAssessedV1, PointsAwardedV1, InventoryReleasedV1, PointsRevokedV1],
      entry: 'functions/orders/progress.ts',
      tables: { ORDERS_TABLE: this.ordersTable },
    });
    // A rejection writes order.cancelled.v1 in the same transaction as the order update.
    this.outbox.grantWriter(this.progress.fn);

    const http = (this.http = new ServiceApi(this, 'Http', {
      serviceName: this.serviceName,
      handler: this.apiFunction,
      alarmTopic: this.alarmTopic,
      authorization: props.apiAuthorization,
      permissions: [ON_BEHALF_OF_PERMISSION],
      routes: [
        { path: '/orders', methods: [apigw.HttpMethod.POST] },
        { path: '/orders/{id}', methods: [apigw.HttpMethod.GET] },
        { path: '/orders/{id}/cancel', methods: [apigw.HttpMethod.POST] },
      ],
    }));
    this.api = http.api;
    this.apiUrl = http.url;
    new CfnOutput(this, 'OrdersTable', { value: this.ordersTable.tableName, description: 'orders and idempotency keys (pk ORDER#… / IDEMPOTENCY#…)' });
  }
}
