import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiAuthorization, ServiceApi, type ServiceApiProps } from '../../lib/constructs/service-api';
import { CourierFunction } from '../../lib/constructs/courier-function';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { InventoryStack } from '../../lib/stacks/inventory-stack';
import { NotificationsStack } from '../../lib/stacks/notifications-stack';
import { OrdersStack } from '../../lib/stacks/orders-stack';
import { PointsStack } from '../../lib/stacks/points-stack';
import { RiskStack } from '../../lib/stacks/risk-stack';
import { ENV, FIXTURES, logicalId, nagFindings, unbundledApp } from './helpers';

/** Skips asset bundling: these tests read routes, roles and environment, not code. */

/** The reference app as bin/app.ts builds it (`apisOnly`: just the stacks with an HTTP API), with the given API authorization. */
function referenceApp(apiAuthorization?: ApiAuthorization, apisOnly = false) {
  const app = unbundledApp();
  const messaging = new MessagingStack(app, 'CourierMessaging', { env: ENV });
  const service = { env: ENV, messaging };
  const apis: Stack[] = [
    new OrdersStack(app, 'CourierOrders', { ...service, apiAuthorization }),
    new NotificationsStack(app, 'CourierNotifications', { ...service, apiAuthorization }),
  ];
  if (apisOnly) return apis;
  return [messaging, ...apis, new InventoryStack(app, 'CourierInventory', service), new RiskStack(app, 'CourierRisk', service), new PointsStack(app, 'CourierPoints', service)];
}

/** Every HTTP API route of every stack: route key, authorization type, authorizer and scopes. */
function routesOf(stacks: Stack[]) {
  return stacks.flatMap((stack) =>
    Object.values(Template.fromStack(stack).findResources('AWS::ApiGatewayV2::Route')).map((r) => ({
      stack: stack.stackName,
      key: r.Properties.RouteKey as string,
      type: r.Properties.AuthorizationType as string | undefined,
      authorizer: r.Properties.AuthorizerId as unknown,
      scopes: r.Properties.AuthorizationScopes as string[] | undefined,
    })),
  );
}

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf';

describe('the reference app: no route without an authorizer', () => {
  let byDefault: ReturnType<typeof routesOf>;
  let withJwt: Stack[];
  let withJwtRoutes: ReturnType<typeof routesOf>;
  // Synthesizing six stacks twice takes a while on a busy machine: in the hook, with its longer timeout.
  beforeAll(() => {
    byDefault = routesOf(referenceApp());
    withJwt = referenceApp(ApiAuthorization.jwt({ issuer: ISSUER, audience: ['client-1'] }), true);
    withJwtRoutes = routesOf(withJwt);
  });

  it('by default every route of every stack needs IAM (SigV4)', () => {
    const routes = byDefault;
    expect(routes).toHaveLength(6);
    for (const r of routes) expect(r.type, `${r.stack} ${r.key}`).toBe('AWS_IAM');
  });

  it('with a JWT issuer every route has the JWT authorizer; PUT /config/{key} also needs the config:write scope', () => {
    const routes = withJwtRoutes;
    expect(routes).toHaveLength(6);
    for (const r of routes) {
      expect(r.type, `${r.stack} ${r.key}`).toBe('JWT');
      expect(r.authorizer, `${r.stack} ${r.key}`).toEqual({ Ref: expect.stringMatching(/^HttpApiJwt/) });
      expect(r.scopes, `${r.stack} ${r.key}`).toEqual(r.key === 'PUT /config/{key}' ? ['config:write'] : undefined);
    }
  });

  it('with a JWT issuer: the authorizer checks issuer and audience, no permission roles, the functions know the mode, cdk-nag is clean', () => {
    for (const stack of withJwt) {
      const t = Template.fromStack(stack);
      t.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Issuer: ISSUER, Audience: ['client-1'] },
      });
      // no permission roles: JWT callers carry their permissions as scopes
      expect(t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('API: holders may') } })).toEqual({});
      const api = (stack as OrdersStack).apiFunction;
      const env = t.findResources('AWS::Lambda::Function')[logicalId(api)]!.Properties.Environment.Variables;
      expect(env.COURIER_API_AUTH).toBe('jwt');
      expect(env.COURIER_API_PERMISSION_ROLES).toBeUndefined();
      expect(nagFindings(stack)).toEqual([]);
    }
  });
});

describe('ServiceApi', () => {
  function build(props: Partial<ServiceApiProps> = {}) {
    const stack = new Stack(unbundledApp(), 'S', { env: ENV });
    const handler = new CourierFunction(stack, 'Fn', { entry: `${FIXTURES}/consumer.ts`, serviceName: 'things' });
    const api = new ServiceApi(stack, 'Http', {
      serviceName: 'things',
      handler,
      alarmTopic: new sns.Topic(stack, 'Topic', { enforceSSL: true }),
      routes: [
        { path: '/things/{id}', methods: [apigw.HttpMethod.GET, apigw.HttpMethod.DELETE] },
        { path: '/things/{id}/secret', methods: [apigw.HttpMethod.PUT], permission: 'things:admin' },
      ],
      ...props,
    });
    return { stack, api, handler, template: () => Template.fromStack(stack) };
  }

  it('defaults to IAM: a role per permission that may invoke its routes and the open ones; grantInvoke gives the open ones only', () => {
    const { stack, api, template } = build({ permissions: ['users:on-behalf-of'] });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(caller);
    const t = template();
    const statements = (role: iam.IRole) =>
      Object.values(t.findResources('AWS::IAM::Policy'))
        .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId(role) }]))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const paths = (role: iam.IRole) => JSON.stringify(statements(role)).match(/\/\*\/[A-Z]+\/things[^"]*/g)!.sort();
    expect(paths(api.permissionRoles['things:admin']!)).toEqual(['/*/DELETE/things/*', '/*/GET/things/*', '/*/PUT/things/*/secret']);
    expect(paths(api.permissionRoles['users:on-behalf-of']!)).toEqual(['/*/DELETE/things/*', '/*/GET/things/*']);
    expect(paths(caller)).toEqual(['/*/DELETE/things/*', '/*/GET/things/*']);
    expect(nagFindings(stack).filter((f) => !f.path.startsWith('S/Caller'))).toEqual([]);
  });

  it('the insecure opt-out: routes without an authorizer, a synth warning, APIG4 acknowledged with that reason, anonymous callers let in', () => {
    const { stack, handler, template } = build({ authorization: ApiAuthorization.insecureUnauthenticatedForThrowawayDemos() });
    const t = template();
    for (const r of Object.values(t.findResources('AWS::ApiGatewayV2::Route'))) expect(r.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(t.findResources('AWS::IAM::Role', { Properties: { Description: Match.stringLikeRegexp('API: holders may') } })).toEqual({});
    expect(t.findResources('AWS::Lambda::Function')[logicalId(handler)]!.Properties.Environment.Variables.COURIER_API_AUTH).toBe('none');
    Annotations.fromStack(stack).hasWarning('/S/Http', Match.stringLikeRegexp('NO authorization: anyone on the internet'));
    expect(nagFindings(stack)).toEqual([]);
    const acks = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>));
    const apig4 = acks.filter((a) => Object.keys(a).some((k) => k.endsWith('AwsSolutions-APIG4')));
    expect(apig4).toHaveLength(3);
    for (const a of apig4) expect(Object.values(a)[0]).toContain('insecureUnauthenticatedForThrowawayDemos');
  });

  it('without the opt-out cdk-nag still flags a route that lacks an authorizer (the check is not vacuous)', () => {
    const { stack, api } = build();
    api.api.addRoutes({ path: '/bare', methods: [apigw.HttpMethod.GET], integration: new HttpUrlIntegration('Url', 'https://example.com') });
    expect(nagFindings(stack).map((f) => f.rule)).toContain('AwsSolutions-APIG4');
  });

  it.each([
    ['a JWT issuer that is not https', { authorization: ApiAuthorization.jwt({ issuer: 'http://idp.example.com', audience: ['a'] }) }, /issuer must be an https URL/],
    ['a JWT authorizer without audience', { authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: [] }) }, /at least one audience/],
    ['a permission with spaces', { permissions: ['config write'] }, /permission "config write" must be/],
    ['grantInvoke on a JWT API', { authorization: ApiAuthorization.jwt({ issuer: ISSUER, audience: ['a'] }), grant: true }, /grantInvoke needs IAM authorization/],
  ])('fails at synth on %s', (_what, props, message) => {
    expect(() => {
      const { stack, api } = build(props as Partial<ServiceApiProps>);
      if ((props as { grant?: boolean }).grant) api.grantInvoke(new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() }));
    }).toThrow(message);
  });
});
