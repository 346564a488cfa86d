import { Annotations, CfnOutput, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccessLogField as F, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { API_AUTH_ENV, API_PERMISSION_ROLES_ENV, permissionRoleOutputKey, type ApiAuthMode } from '../../functions/contracts/api-auth.js';
import { functionAlarms } from './alarms.js';
import type { CourierFunction } from './courier-function.js';
import { pascal } from './discovery.js';
import { acknowledgeWildcardResources } from './nag-acknowledgements.js';

/** Re-exported so a stack can name the on-behalf-of permission in `ServiceApiProps.permissions`. */
export { ON_BEHALF_OF_PERMISSION } from '../../functions/contracts/api-auth.js';

/** One route of a {@link ServiceApi}: a path, its methods, and the permission a caller needs beyond signing in. */
export interface ServiceApiRoute {
  /** e.g. `/orders/{id}`. */
  readonly path: string;
  /** The HTTP methods the route answers, e.g. `[HttpMethod.GET]`. */
  readonly methods: apigw.HttpMethod[];
  /**
   * A permission the route needs beyond an authenticated caller, e.g. `config:write`. IAM: only the
   * permission's role may invoke the route; JWT: the token must carry it as a scope (the route's
   * authorization scopes). The function checks it again (`requirePermission` in `courier/runtime`).
   * @default - any authenticated caller
   */
  readonly permission?: string;
}

/** JWT authorizer settings: the identity provider that issues end users' tokens. */
export interface JwtAuthorizationOptions {
  /** Token issuer (`iss`), an https URL, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC`. */
  readonly issuer: string;
  /** Accepted audiences (`aud`, or `client_id` for Cognito access tokens); at least one. */
  readonly audience: string[];
}

/** IAM authorization settings. */
export interface IamAuthorizationOptions {
  /**
   * Who may assume the permission roles (see `ServiceApi.permissionRoles`).
   * @default - principals of this account whose own IAM policy allows `sts:AssumeRole` on the role
   */
  readonly permissionRoleTrust?: iam.IPrincipal;
}

/**
 * How a `ServiceApi` authenticates callers. Every route gets the same authorizer; there is no
 * unauthenticated default.
 *
 * @example
 * new ServiceApi(this, 'Http', { ..., authorization: ApiAuthorization.jwt({
 *   issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC', audience: ['6v…client-id'] }) });
 */
export class ApiAuthorization {
  /** AWS SigV4 (route authorization `AWS_IAM`): services, operators and scripts sign with IAM credentials. */
  static iam(options: IamAuthorizationOptions = {}): ApiAuthorization {
    return new ApiAuthorization('iam', undefined, options);
  }

  /** A JWT authorizer for end-user clients: the caller is the token's `sub`, permissions are its scopes. */
  static jwt(options: JwtAuthorizationOptions): ApiAuthorization {
    return new ApiAuthorization('jwt', options, {});
  }

  /**
   * No authorization at all: anyone on the internet can call every route, as any user, with every
   * permission. For a throwaway demo only; synth prints a warning and cdk-nag's APIG4 is acknowledged
   * on each route with this reason.
   */
  static insecureUnauthenticatedForThrowawayDemos(): ApiAuthorization {
    return new ApiAuthorization('none', undefined, {});
  }

  private constructor(
    readonly mode: ApiAuthMode,
    readonly jwtOptions: JwtAuthorizationOptions | undefined,
    readonly iamOptions: IamAuthorizationOptions,
  ) {}
}

/** Props of a {@link ServiceApi}: the function behind it, its routes, how callers authenticate, and its limits. */
export interface ServiceApiProps {
  /** The owning service, for descriptions and alarm names. */
  readonly serviceName: string;
  /** The one function behind every route (it dispatches on the route key). */
  readonly handler: CourierFunction;
  /** Every route of the API; each gets the API's authorizer. */
  readonly routes: ServiceApiRoute[];
  /** Topic the function's error and throttle alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /**
   * How callers authenticate.
   * @default ApiAuthorization.iam()
   */
  readonly authorization?: ApiAuthorization;
  /**
   * Permissions the function checks that no route requires as a whole, e.g. `users:on-behalf-of`
   * (`ON_BEHALF_OF_PERMISSION`). In IAM mode each gets its role, like the routes' permissions.
   * @default []
   */
  readonly permissions?: string[];
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

const PERMISSION = /^[A-Za-z0-9][A-Za-z0-9:._/-]{0,63}$/;

/**
 * An HTTP API for a service: routes on one Lambda integration, every route behind an authorizer (IAM by
 * default, JWT as an option), an explicit `$default` stage (the implicit one has no access logging) with
 * JSON access logs and throttling, alarms on the function's errors and throttles, and `ApiUrl` / `ApiId`
 * stack outputs (the local engine addresses APIs by id).
 *
 * IAM mode creates one role per permission (`permissionRoles`, output `ApiRole<Permission>`): the role
 * may invoke the routes that need no permission and the routes that need its own; the function learns the
 * roles' ARNs (`COURIER_API_PERMISSION_ROLES`) and treats a session of a role as holding its permission.
 *
 * @example
 * const http = new ServiceApi(this, 'Http', {
 *   serviceName: 'notifications', handler: apiFunction, alarmTopic,
 *   routes: [
 *     { path: '/config/{key}', methods: [HttpMethod.GET] },
 *     { path: '/config/{key}', methods: [HttpMethod.PUT], permission: 'config:write' },
 *   ],
 * });
 * http.grantInvoke(checkoutService); // the routes without a permission
 */
export class ServiceApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** Base URL of the `$default` stage (the API endpoint): `POST {url}/orders`. */
  readonly url: string;
  readonly alarms: { errors: cloudwatch.Alarm; throttles: cloudwatch.Alarm };
  readonly authorization: ApiAuthorization;
  /** IAM mode: the role that holds each permission (empty in the other modes). */
  readonly permissionRoles: Record<string, iam.Role> = {};
  private readonly routes: { method: string; path: string; permission?: string }[] = [];

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id);
    this.authorization = props.authorization ?? ApiAuthorization.iam();
    const permissions = [...new Set([...(props.permissions ?? []), ...props.routes.flatMap((r) => (r.permission ? [r.permission] : []))])];
    for (const p of permissions) if (!PERMISSION.test(p)) throw new Error(`ServiceApi ${id}: permission "${p}" must be 1–64 of A-Z a-z 0-9 : . _ / - (it is a JWT scope and names an IAM role)`);

    this.api = new apigw.HttpApi(this, 'Api', {
      // Named after its stack: two stages' APIs are told apart in the console and the CLI.
      apiName: `${Stack.of(this).stackName}-${props.serviceName}-api`,
      description: `courier ${props.serviceName} API`,
      createDefaultStage: false,
    });
    this.stage = this.addStage(props);
    // The endpoint, not `stage.url`: the same URL on AWS, and the local engine resolves it to its own host.
    this.url = this.api.apiEndpoint;

    const integration = new HttpLambdaIntegration('Integration', props.handler);
    const authorizer = this.authorizer(id);
    for (const r of props.routes) {
      const scopes = this.authorization.mode === 'jwt' && r.permission ? [r.permission] : undefined;
      const routes = this.api.addRoutes({ path: r.path, methods: r.methods, integration, authorizer, authorizationScopes: scopes });
      for (const method of r.methods) this.routes.push({ method, path: r.path, permission: r.permission });
      for (const route of routes) {
        if (this.authorization.mode === 'none') {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: 'Deployed with ApiAuthorization.insecureUnauthenticatedForThrowawayDemos(): anyone on the internet can call this route.',
          });
        }
      }
    }
    props.handler.addEnvironment(API_AUTH_ENV, this.authorization.mode);
    if (this.authorization.mode === 'iam') this.addPermissionRoles(props, permissions);
    if (this.authorization.mode === 'none') {
      Annotations.of(this).addWarningV2(
        'courier:insecure-api',
        `${props.serviceName} API has NO authorization: anyone on the internet can call every route as any user. Use ApiAuthorization.iam() or .jwt() for anything but a throwaway demo.`,
      );
    }
    this.alarms = functionAlarms(this, props.handler, props.alarmTopic, `${props.serviceName}-api`, 'Api');

    const stack = this.api.stack;
    new CfnOutput(stack, 'ApiUrl', { value: this.url, description: `${props.serviceName} API base URL ($default stage)` });
    new CfnOutput(stack, 'ApiId', { value: this.api.apiId, description: `${props.serviceName} HTTP API id (the local engine addresses APIs by id)` });
  }

  /**
   * Lets `grantee` invoke the routes that need no permission (IAM mode). A route with a permission is
   * reached through its role.
   */
  grantInvoke(grantee: iam.IGrantable): void {
    if (this.authorization.mode !== 'iam') throw new Error('ServiceApi.grantInvoke needs IAM authorization');
    this.grantRoutes(grantee, (permission) => permission === undefined);
  }

  /**
   * execute-api:Invoke on exactly the chosen routes: each `{param}` becomes a `*` segment in place (so
   * `POST /orders/{id}/cancel` stays limited to `…/cancel`), the stage is `*` (there is only `$default`).
   */
  private grantRoutes(grantee: iam.IGrantable, chosen: (permission: string | undefined) => boolean): void {
    const resourceArns = this.routes.filter((r) => chosen(r.permission)).map((r) => this.api.arnForExecuteApi(r.method, r.path.replace(/\{[^}]+\}/g, '*')));
    iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:Invoke'], resourceArns });
  }

  private authorizer(id: string): apigw.IHttpRouteAuthorizer | undefined {
    const { mode, jwtOptions } = this.authorization;
    if (mode === 'iam') return new HttpIamAuthorizer();
    if (mode === 'none') return undefined;
    const { issuer, audience } = jwtOptions!;
    if (!Token.isUnresolved(issuer) && !/^https:\/\/[^\s/]+/.test(issuer)) throw new Error(`ServiceApi ${id}: JWT issuer must be an https URL, got "${issuer}"`);
    if (audience.length === 0) throw new Error(`ServiceApi ${id}: JWT authorization needs at least one audience`);
    return new HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: audience });
  }

  /** One role per permission; its ARN goes to the function and to a stack output. */
  private addPermissionRoles(props: ServiceApiProps, permissions: string[]): void {
    const trust = this.authorization.iamOptions.permissionRoleTrust ?? new iam.AccountRootPrincipal();
    for (const permission of permissions) {
      const role = new iam.Role(this, `${pascal(permission)}Role`, {
        assumedBy: trust,
        description: `courier ${props.serviceName} API: holders may ${permission}`,
      });
      this.grantRoutes(role, (needed) => needed === undefined || needed === permission);
      // The grants live in the role's default policy, where cdk-nag reports them.
      acknowledgeWildcardResources(
        role.node.findChild('DefaultPolicy') as iam.Policy,
        'execute-api:Invoke on this API only, per route and method: the stage segment is * (the API has one stage, $default) and a path parameter ({id}) is * by definition.',
      );
      this.permissionRoles[permission] = role;
      new CfnOutput(this.api.stack, permissionRoleOutputKey(permission), {
        value: role.roleArn,
        description: `${props.serviceName} API: the role to assume for ${permission}`,
      });
    }
    props.handler.addEnvironment(API_PERMISSION_ROLES_ENV, Stack.of(this).toJsonString(Object.fromEntries(permissions.map((p) => [p, this.permissionRoles[p]!.roleArn]))));
  }

  private addStage(props: ServiceApiProps): apigw.HttpStage {
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new apigw.HttpStage(this, 'Stage', {
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
            // Who called: the IAM ARN or the JWT subject (empty for the other mode).
            caller: '$context.identity.userArn',
            subject: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });
  }
}
