import { CfnOutput, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogField as F, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { InventoryRejectedV1, InventoryReservedV1 } from '../../functions/events/inventory';
import { PointsAwardedV1 } from '../../functions/events/points';
import { RiskAssessedV1 } from '../../functions/events/risk';
import type { Consumer } from '../constructs/consumer';
import { CourierFunction } from '../constructs/function-defaults';
import type { Outbox } from '../constructs/outbox';
import { grantTable } from '../constructs/table-access';
import { ServiceStack, type ServiceStackProps } from './service-stack';

export type OrdersStackProps = Omit<ServiceStackProps, 'serviceName'>;

/** Per-stage default route throttling: a reference API should not be an open cost tap. */
const API_THROTTLE = { rateLimit: 50, burstLimit: 100 };

/**
 * The orders service: an HTTP API that places, shows and cancels orders (order + outbox row in one
 * transaction), the outbox that announces them, and the consumer that records the reply events.
 *
 * Orders table, partition key `pk` (S): `ORDER#<order_id>` items (the order and its progress, `version`
 * for optimistic concurrency) and `IDEMPOTENCY#<key>` items (TTL attribute `expires_at`).
 *
 * The routes have no authorizer (cdk-nag AwsSolutions-APIG4 is acknowledged on each route): this is a
 * reference API. Put an authorizer (JWT or IAM) in front of it before real use.
 */
export class OrdersStack extends ServiceStack {
  readonly ordersTable: dynamodb.Table;
  readonly outbox: Outbox;
  readonly apiFunction: CourierFunction;
  readonly progress: Consumer;
  readonly api: apigw.HttpApi;
  /** Base URL of the API (`$default` stage): `POST {apiUrl}/orders`. */
  readonly apiUrl: string;

  constructor(scope: Construct, id: string, props: OrdersStackProps) {
    super(scope, id, { ...props, serviceName: 'orders' });

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
    });
    grantTable(this.apiFunction, this.ordersTable);
    this.outbox.grantWriter(this.apiFunction);

    this.progress = this.addConsumer('orders-progress', {
      events: [InventoryReservedV1, InventoryRejectedV1, RiskAssessedV1, PointsAwardedV1],
      entry: 'functions/orders/progress.ts',
      tables: { ORDERS_TABLE: this.ordersTable },
    });
    // A rejection writes order.cancelled.v1 in the same transaction as the order update.
    this.outbox.grantWriter(this.progress.fn);

    this.api = this.httpApi(this.apiFunction);
    this.apiUrl = this.api.apiEndpoint;

    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'orders API base URL ($default stage)' });
    new CfnOutput(this, 'ApiId', { value: this.api.apiId, description: 'orders HTTP API id (the local engine addresses APIs by id)' });
    new CfnOutput(this, 'OrdersTable', { value: this.ordersTable.tableName, description: 'orders and idempotency keys (pk ORDER#… / IDEMPOTENCY#…)' });
  }

  /** The routes on one Lambda integration, behind a `$default` stage with JSON access logs and throttling. */
  private httpApi(handler: CourierFunction): apigw.HttpApi {
    // The implicit default stage has no access logging; the stage is declared below instead.
    const api = new apigw.HttpApi(this, 'Api', { description: 'courier orders API', createDefaultStage: false });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    new apigw.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: F.contextRequestId(),
            ip: F.contextIdentitySourceIp(),
            requestTime: F.contextRequestTime(),
            // HTTP API variables without an AccessLogField helper.
            routeKey: '$context.routeKey',
            integrationError: '$context.integrationErrorMessage',
            status: F.contextStatus(),
            responseLatency: F.contextResponseLatency(),
            integrationLatency: F.contextIntegrationLatency(),
          }),
        ),
      },
    });
    const integration = new HttpLambdaIntegration('ApiIntegration', handler);
    const routes = [
      ...api.addRoutes({ path: '/orders', methods: [apigw.HttpMethod.POST], integration }),
      ...api.addRoutes({ path: '/orders/{id}', methods: [apigw.HttpMethod.GET], integration }),
      ...api.addRoutes({ path: '/orders/{id}/cancel', methods: [apigw.HttpMethod.POST], integration }),
    ];
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Reference API without callers of its own: deployers must put an authorizer (JWT or IAM) in front of these routes before real use (see the OrdersStack doc comment).',
      });
    }
    return api;
  }
}
