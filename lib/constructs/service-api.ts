import { CfnOutput, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogField as F, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { functionAlarms } from './alarms.js';
import type { CourierFunction } from './courier-function.js';

export interface ServiceApiRoute {
  /** e.g. `/orders/{id}`. */
  readonly path: string;
  readonly methods: apigw.HttpMethod[];
}

export interface ServiceApiProps {
  /** The owning service, for descriptions and alarm names. */
  readonly serviceName: string;
  /** The one function behind every route (it dispatches on the route key). */
  readonly handler: CourierFunction;
  readonly routes: ServiceApiRoute[];
  /** Topic the function's error and throttle alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Default route throttling of the stage: a reference API should not be an open cost tap.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: apigw.ThrottleSettings;
  /**
   * Retention of the JSON access logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

/**
 * An HTTP API for a service: routes on one Lambda integration, an explicit `$default` stage (the implicit
 * one has no access logging) with JSON access logs and throttling, alarms on the function's errors and
 * throttles, and `ApiUrl` / `ApiId` stack outputs (the local engine addresses APIs by id).
 *
 * The routes have no authorizer (cdk-nag AwsSolutions-APIG4 is acknowledged on each route): these are
 * reference APIs. Put an authorizer (JWT or IAM) in front before real use.
 */
export class ServiceApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** Base URL of the `$default` stage (the API endpoint): `POST {url}/orders`. */
  readonly url: string;
  readonly alarms: { errors: cloudwatch.Alarm; throttles: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', { description: `courier ${props.serviceName} API`, createDefaultStage: false });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: F.contextRequestId(),
            ip: F.contextIdentitySourceIp(),
            requestTime: F.contextRequestTime(),
            // HTTP API variables without an AccessLogField helper (that class is for REST APIs).
            routeKey: '$context.routeKey',
            integrationError: '$context.integrationErrorMessage',
            status: F.contextStatus(),
            responseLength: F.contextResponseLength(),
            responseLatency: F.contextResponseLatency(),
            integrationLatency: F.contextIntegrationLatency(),
          }),
        ),
      },
    });
    // The endpoint, not `stage.url`: the same URL on AWS, and the local engine resolves it to its own host.
    this.url = this.api.apiEndpoint;

    const integration = new HttpLambdaIntegration('Integration', props.handler);
    for (const route of props.routes.flatMap((r) => this.api.addRoutes({ ...r, integration }))) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'Reference API: deployers must put an authorizer (JWT or IAM) in front of these routes before real use.',
      });
    }
    this.alarms = functionAlarms(this, props.handler, props.alarmTopic, `${props.serviceName}-api`, 'Api');

    const stack = this.api.stack;
    new CfnOutput(stack, 'ApiUrl', { value: this.url, description: `${props.serviceName} API base URL ($default stage)` });
    new CfnOutput(stack, 'ApiId', { value: this.api.apiId, description: `${props.serviceName} HTTP API id (the local engine addresses APIs by id)` });
  }
}
