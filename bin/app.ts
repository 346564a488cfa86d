import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveDeploymentTarget } from '../lib/config';
import { MessagingStack } from '../lib/stacks/messaging-stack';

/**
 * The courier CDK app. Synthesizes offline (no context lookups). `AWS_ENDPOINT_URL` selects the local
 * engine; every switch that implies is an explicit prop and is printed below.
 *
 * Service stacks (orders, inventory, risk, points, notifications/audit) subclass `ServiceStack`
 * (lib/stacks/service-stack.ts) and are wired here with `{ env, messaging, tableRemovalPolicy }`.
 */
const app = new App();
const target = resolveDeploymentTarget();
for (const note of target.notes) process.stderr.write(`[courier] ${note}\n`);

const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');

const messaging = new MessagingStack(app, 'CourierMessaging', {
  env: target.env,
  archive: target.archive,
  alarmEmail: typeof alarmEmail === 'string' && alarmEmail ? alarmEmail : undefined,
});

// Service stacks join here, e.g.:
//   new InventoryStack(app, 'CourierInventory', { env: target.env, messaging, tableRemovalPolicy: target.tableRemovalPolicy });
void messaging;

// cdk-nag AwsSolutions runs on every synth: any unacknowledged finding stops synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
