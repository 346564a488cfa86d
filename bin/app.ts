import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiAuthorization, resolveDeploymentTarget } from 'courier/constructs';
import { InventoryStack } from '../lib/stacks/inventory-stack';
import { MessagingStack } from 'courier/constructs';
import { NotificationsStack } from '../lib/stacks/notifications-stack';
import { OrdersStack } from '../lib/stacks/orders-stack';
import { PointsStack } from '../lib/stacks/points-stack';
import { RiskStack } from '../lib/stacks/risk-stack';

/**
 * The courier CDK app. Synthesizes offline (no context lookups). `AWS_ENDPOINT_URL` selects the local
 * engine; every switch that implies is an explicit prop and is printed below.
 * Service stacks subclass `ServiceStack` (lib/stacks/service-stack.ts) and share the messaging stack's
 * bus and alarm topic.
 */
const app = new App();
const target = resolveDeploymentTarget();
for (const note of target.notes) process.stderr.write(`[courier] ${note}\n`);

const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');

/**
 * The HTTP APIs need IAM (SigV4) callers by default; `-c apiJwtIssuer=https://… -c apiJwtAudience=id1,id2`
 * puts a JWT authorizer in front instead (end-user tokens; permissions as scopes).
 */
function apiAuthorization(): ApiAuthorization | undefined {
  const issuer: unknown = app.node.tryGetContext('apiJwtIssuer');
  const audience: unknown = app.node.tryGetContext('apiJwtAudience');
  if (issuer === undefined && audience === undefined) return undefined;
  if (typeof issuer !== 'string' || typeof audience !== 'string' || !issuer || !audience) {
    throw new Error('-c apiJwtIssuer=<https URL> and -c apiJwtAudience=<client id[,client id…]> go together');
  }
  process.stderr.write(`[courier] HTTP APIs: JWT authorizer, issuer ${issuer}\n`);
  return ApiAuthorization.jwt({ issuer, audience: audience.split(',').map((a) => a.trim()).filter(Boolean) });
}

const messaging = new MessagingStack(app, 'CourierMessaging', {
  env: target.env,
  archive: target.archive,
  alarmEmail: typeof alarmEmail === 'string' && alarmEmail ? alarmEmail : undefined,
});

const service = { env: target.env, messaging, tableRemovalPolicy: target.tableRemovalPolicy };
const apiAuth = apiAuthorization();
new OrdersStack(app, 'CourierOrders', { ...service, apiAuthorization: apiAuth });
new InventoryStack(app, 'CourierInventory', service);
new RiskStack(app, 'CourierRisk', service);
new PointsStack(app, 'CourierPoints', service);
new NotificationsStack(app, 'CourierNotifications', { ...service, apiAuthorization: apiAuth });

// cdk-nag AwsSolutions runs on every synth: any unacknowledged finding stops synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
