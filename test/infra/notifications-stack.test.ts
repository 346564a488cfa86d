import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { NotificationsStack } from '../../lib/stacks/notifications-stack';
import { ENV, invokeGrants, logicalId, nagFindings, permissionRolesEnv, splitXRayStatements, XRAY_WRITE_STATEMENT } from './helpers';

let stack: NotificationsStack;
let t: Template;

/** The policy statements attached to a function's role. */
function statementsOf(roleLogicalId: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

beforeAll(() => {
  const app = new App();
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
  // Bundles the real handlers: a handler that cannot be bundled fails here, not at deploy.
  stack = new NotificationsStack(app, 'Notifications', { env: ENV, messaging });
  t = Template.fromStack(stack);
});

describe('NotificationsStack', () => {
  it('has the config, audit, counter and cache tables keyed by a string pk, plus idempotency, outbox and failed messages', () => {
    const tables = t.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(7);
    for (const table of [stack.configTable, stack.auditTable, stack.loginCounterTable, stack.configCacheTable]) {
      expect(tables[logicalId(table)]!.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('declares the three consumers with the events services.ts lists for each', () => {
    expect(stack.consumers.map((c) => c.name)).toEqual(['audit-log', 'login-counter', 'config-cache']);
    const rules = Object.values(t.findResources('AWS::Events::Rule', { Properties: { EventPattern: Match.objectLike({ 'detail-type': Match.anyValue() }) } }));
    const patterns = rules.map((r) => r.Properties.EventPattern['detail-type'].sort());
    expect(patterns).toEqual(
      expect.arrayContaining([['config.changed.v1', 'user.login_succeeded.v1'], ['user.login_succeeded.v1'], ['config.changed.v1']]),
    );
    expect(patterns).toHaveLength(3);
  });

  it('the login counter table expires its per-sign-in fences (TTL expires_at)', () => {
    const table = t.findResources('AWS::DynamoDB::Table')[logicalId(stack.loginCounterTable)]!.Properties;
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('gives each consumer its own table and nothing else of the service', () => {
    const env = (c: (typeof stack.consumers)[number]) => t.findResources('AWS::Lambda::Function')[logicalId(c.fn)]!.Properties.Environment.Variables;
    expect(env(stack.auditLog)).toMatchObject({ AUDIT_TABLE: { Ref: logicalId(stack.auditTable) }, CONSUMER_NAME: 'audit-log' });
    expect(env(stack.loginCounter)).toMatchObject({ LOGIN_COUNTER_TABLE: { Ref: logicalId(stack.loginCounterTable) } });
    expect(env(stack.configCache)).toMatchObject({ CONFIG_CACHE_TABLE: { Ref: logicalId(stack.configCacheTable) } });
    const resources = JSON.stringify(statementsOf(logicalId(stack.configCache.fn.role!)).map((s) => s.Resource));
    expect(resources).toContain(logicalId(stack.configCacheTable));
    for (const other of [stack.auditTable, stack.loginCounterTable, stack.configTable]) expect(resources).not.toContain(logicalId(other));
  });

  it('API function: shared defaults, config table get/put only, outbox writer, failed-message publisher, PutEvents on the bus', () => {
    const fn = t.findResources('AWS::Lambda::Function')[logicalId(stack.apiFunction)]!.Properties;
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 10 });
    expect(Object.keys(fn.Environment.Variables).sort()).toEqual(
      ['CONFIG_TABLE', 'COURIER_API_AUTH', 'COURIER_API_PERMISSION_ROLES', 'EVENT_BUS_NAME', 'FAILED_MESSAGE_TABLE', 'NODE_OPTIONS', 'OUTBOX_TABLE', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'SERVICE_NAME'],
    );
    const { xray, rest: statements } = splitXRayStatements(statementsOf(logicalId(stack.apiFunction.role!)));
    expect(xray).toEqual([XRAY_WRITE_STATEMENT]);
    const on = (table: { tableArn: string }) => statements.filter((s) => JSON.stringify(s.Resource) === JSON.stringify(stack.resolve(table.tableArn)));
    expect(on(stack.configTable).flatMap((s) => s.Action).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    expect(on(stack.outbox.table).flatMap((s) => s.Action).sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
    expect(on(stack.failedMessages.table).flatMap((s) => s.Action)).toContain('dynamodb:PutItem');
    expect(statements.flatMap((s) => s.Action)).toContain('events:PutEvents');
    for (const s of statements) expect(s.Resource).not.toBe('*');
  });

  it('routes POST /logins, PUT and GET /config/{key} to the API function', () => {
    const routeKeys = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey).sort();
    expect(routeKeys).toEqual(['GET /config/{key}', 'POST /logins', 'PUT /config/{key}']);
    t.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    t.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.apiFunction), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
  });

  it('has one auto-deployed $default stage with throttling and JSON access logs naming the request id', () => {
    t.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(t.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status' });
  });

  it('outputs the API URL and the table names', () => {
    const outputs = t.findOutputs('*');
    for (const key of ['ApiUrl', 'AuditTable', 'LoginCounterTable', 'ConfigCacheTable', 'ConfigTable']) expect(outputs[key], key).toBeDefined();
    expect(outputs.ConfigTable!.Value).toEqual({ Ref: logicalId(stack.configTable) });
    expect(JSON.stringify(outputs.ApiUrl!.Value)).toContain(logicalId(stack.api));
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('every route requires IAM (SigV4); PUT /config/{key} only through the config:write role; no APIG4 acknowledgement', () => {
    const routes = Object.values(t.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties);
    expect(routes.map((r) => [r.RouteKey, r.AuthorizationType]).sort()).toEqual([
      ['GET /config/{key}', 'AWS_IAM'],
      ['POST /logins', 'AWS_IAM'],
      ['PUT /config/{key}', 'AWS_IAM'],
    ]);
    const invocable = (role: iam.IRole) => invokeGrants(t, role);
    expect(invocable(stack.http.permissionRoles['config:write']!)).toEqual(['GET/config/*', 'POST/logins', 'PUT/config/*']);
    expect(invocable(stack.http.permissionRoles['users:on-behalf-of']!)).toEqual(['GET/config/*', 'POST/logins']);
    expect(Object.keys(stack.http.permissionRoles).sort()).toEqual(['config:write', 'users:on-behalf-of']);
  });

  it('tells the function its auth mode and which role holds which permission; outputs the role ARNs', () => {
    const env = t.findResources('AWS::Lambda::Function')[logicalId(stack.apiFunction)]!.Properties.Environment.Variables;
    expect(env.COURIER_API_AUTH).toBe('iam');
    expect(permissionRolesEnv(env.COURIER_API_PERMISSION_ROLES)).toEqual({
      'config:write': logicalId(stack.http.permissionRoles['config:write']!),
      'users:on-behalf-of': logicalId(stack.http.permissionRoles['users:on-behalf-of']!),
    });
    const outputs = t.findOutputs('*');
    expect(outputs.ApiRoleConfigWrite!.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.http.permissionRoles['config:write']!), 'Arn'] });
    expect(outputs.ApiRoleUsersOnBehalfOf!.Value).toEqual({ 'Fn::GetAtt': [logicalId(stack.http.permissionRoles['users:on-behalf-of']!), 'Arn'] });
  });

  it('acknowledges no authorizer finding; the API roles’ wildcards (route path parameters, stage) one by one, with the reason', () => {
    const acks: { path: string; data: Record<string, string> }[] = [];
    for (const c of stack.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type === 'aws:cdk:acknowledged-rules') acks.push({ path: c.node.path, data: entry.data as Record<string, string> });
      }
    }
    const ids = acks.flatMap((a) => Object.keys(a.data).map((k) => k.replace(/^annotation::/i, '')));
    expect(ids.filter((id) => id.includes('APIG'))).toEqual([]);
    const apiRoleAcks = acks.filter((a) => a.path.startsWith('Notifications/Http/'));
    expect([...new Set(apiRoleAcks.map((a) => a.path))].sort()).toEqual(['Notifications/Http/ConfigWriteRole/DefaultPolicy', 'Notifications/Http/UsersOnBehalfOfRole/DefaultPolicy']);
    for (const a of apiRoleAcks) {
      for (const [id, reason] of Object.entries(a.data)) {
        expect(id).toMatch(/AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:execute-api:eu-west-1:111111111111:<HttpApi[0-9A-F]+>\/\*\/(GET|PUT|POST)\/[a-z/]+\*?\]$/);
        expect(reason).toContain('execute-api:Invoke on this API only');
      }
    }
    expect([...new Set(ids.map((id) => id.replace(/\[Resource::arn:.*\]$/, '[Resource::arn:…]')))].sort()).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Resource::arn:…]', 'AwsSolutions-SQS3']);
  });
});
