import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { OrdersStack } from '../../lib/stacks/orders-stack';
import { ENV, invokeGrants, logicalId, nagFindings, permissionRolesEnv } from './helpers';

let stack: OrdersStack;
let t: Template;

const fnProps = (fn: OrdersStack['apiFunction']) => t.findResources('AWS::Lambda::Function')[logicalId(fn)]!.Properties;

/** Actions granted to a role, per resource (as rendered in the template). */
function grants(role: OrdersStack['apiFunction']['role']): { actions: string[]; resource: string }[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role!) }] } });
  return Object.values(policies)
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .map((s) => ({ actions: [s.Action].flat(), resource: JSON.stringify(s.Resource) }));
}
const actionsOn = (role: OrdersStack['apiFunction']['role'], resourceLogicalId: string) =>
  grants(role).filter((g) => g.resource.includes(resourceLogicalId)).flatMap((g) => g.actions);

beforeAll(() => {
  const app = new App();
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
  // Bundles the real handlers: one that cannot be bundled fails here, not at deploy.
  stack = new OrdersStack(app, 'Orders', { env: ENV, messaging });
  t = Template.fromStack(stack);
});

describe('OrdersStack', () => {
  it('orders table: pk (S), TTL on expires_at (idempotency items only carry it), on-demand, PITR', () => {
    expect(t.findResources('AWS::DynamoDB::Table')[logicalId(stack.ordersTable)]!.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // orders + outbox + idempotency
    expect(Object.keys(t.findResources('AWS::DynamoDB::Table'))).toHaveLength(3);
  });

  it('HTTP API: the three routes on the API function, a $default stage with access logs and throttling', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey).sort();
    expect(routes).toEqual(['GET /orders/{id}', 'POST /orders', 'POST /orders/{id}/cancel']);
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.apiFunction), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('HttpAccessLogs'), 'Arn'] }, Format: Match.stringLikeRegexp('\\$context.requestId') },
    });
    expect(Object.keys(t.findResources('AWS::ApiGatewayV2::Stage'))).toHaveLength(1);
  });

  it('outputs ApiUrl (the API endpoint), ApiId and the orders table', () => {
    t.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [logicalId(stack.api), 'ApiEndpoint'] } });
    t.hasOutput('ApiId', { Value: { Ref: logicalId(stack.api) } });
    t.hasOutput('OrdersTable', { Value: { Ref: logicalId(stack.ordersTable) } });
  });

  it('API function: shared defaults, ORDERS_TABLE/OUTBOX_TABLE, item access to the orders table, outbox Put only, no bus', () => {
    const fn = fnProps(stack.apiFunction);
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 10 });
    expect(fn.Environment.Variables).toMatchObject({
      SERVICE_NAME: 'orders',
      ORDERS_TABLE: { Ref: logicalId(stack.ordersTable) },
      OUTBOX_TABLE: { Ref: logicalId(stack.outbox.table) },
    });
    expect(fn.Environment.Variables.EVENT_BUS_NAME).toBeUndefined();
    const role = stack.apiFunction.role;
    expect(actionsOn(role, logicalId(stack.ordersTable))).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actionsOn(role, logicalId(stack.ordersTable))).not.toContain('dynamodb:Scan');
    expect(actionsOn(role, logicalId(stack.outbox.table)).sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    expect(grants(role).flatMap((g) => g.actions)).not.toContain('events:PutEvents');
  });

  it('progress consumer: the four reply events and the two compensation reports, ORDERS_TABLE, and outbox writes for its compensation', () => {
    expect(stack.consumers.map((c) => c.name)).toEqual(['orders-progress']);
    expect(stack.progress.detailTypes.sort()).toEqual(['inventory.rejected.v1', 'inventory.released.v1', 'inventory.reserved.v1', 'points.awarded.v1', 'points.revoked.v1', 'risk.assessed.v1']);
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: Match.arrayWith(['courier.inventory', 'courier.risk', 'courier.points']), 'detail-type': Match.arrayWith(['inventory.reserved.v1', 'points.awarded.v1']) },
    });
    expect(fnProps(stack.progress.fn).Environment.Variables).toMatchObject({
      CONSUMER_NAME: 'orders-progress',
      ORDERS_TABLE: { Ref: logicalId(stack.ordersTable) },
      OUTBOX_TABLE: { Ref: logicalId(stack.outbox.table) },
    });
    expect(actionsOn(stack.progress.fn.role, logicalId(stack.outbox.table)).sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    expect(actionsOn(stack.progress.fn.role, logicalId(stack.ordersTable))).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
  });

  it('alarms on the API function’s errors and throttles, notifying the alarm topic', () => {
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    for (const metric of ['Errors', 'Throttles']) {
      const alarm = alarms.find((a) => a.MetricName === metric && JSON.stringify(a.Dimensions).includes(logicalId(stack.apiFunction)));
      expect(alarm, metric).toBeDefined();
      expect(alarm!.AlarmActions).toHaveLength(1);
      expect(JSON.stringify(alarm!.AlarmName)).toContain('orders-api');
    }
  });

  it('every route requires IAM (SigV4) authorization', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual([
      ['GET /orders/{id}', 'AWS_IAM'],
      ['POST /orders', 'AWS_IAM'],
      ['POST /orders/{id}/cancel', 'AWS_IAM'],
    ]);
  });

  it('the users:on-behalf-of role: assumable from this account only, may invoke the three routes; its ARN goes to the function and an output', () => {
    const role = stack.http.permissionRoles['users:on-behalf-of']!;
    expect(Object.keys(stack.http.permissionRoles)).toEqual(['users:on-behalf-of']);
    expect(t.findResources('AWS::IAM::Role')[logicalId(role)]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } } },
    ]);
    expect(invokeGrants(t, role)).toEqual(['GET/orders/*', 'POST/orders', 'POST/orders/*/cancel']);
    const env = fnProps(stack.apiFunction).Environment.Variables;
    expect(env.COURIER_API_AUTH).toBe('iam');
    expect(permissionRolesEnv(env.COURIER_API_PERMISSION_ROLES)).toEqual({ 'users:on-behalf-of': logicalId(role) });
    t.hasOutput('ApiRoleUsersOnBehalfOf', { Value: { 'Fn::GetAtt': [logicalId(role), 'Arn'] } });
  });

  it('cdk-nag: zero unacknowledged findings, and no authorizer finding acknowledged', () => {
    expect(nagFindings(stack)).toEqual([]);
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => ({ path: c.node.path, data: m.data as Record<string, string> })));
    expect(acks.filter((a) => Object.keys(a.data).some((id) => id.includes('APIG')))).toEqual([]);
  });

  it('cdk-nag flags an HTTP API route without an authorizer (the acknowledgement is needed, the check is not vacuous)', () => {
    const bare = new Stack(new App(), 'Bare');
    new apigw.HttpApi(bare, 'Api').addRoutes({ path: '/orders', methods: [apigw.HttpMethod.POST], integration: new HttpUrlIntegration('Url', 'https://example.com') });
    expect(nagFindings(bare).map((f) => f.rule)).toContain('AwsSolutions-APIG4');
  });
});
