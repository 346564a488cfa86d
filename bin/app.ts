import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveDeploymentTarget } from 'courier/constructs';
import { resolveScope } from 'courier/cli';
import { buildReferenceApp } from '../lib/stacks/reference-app';
import { chaosInstrumentation } from '../scripts/chaos/instrumentation';

/**
 * The courier CDK app. Synthesizes offline (no context lookups). `AWS_ENDPOINT_URL` selects the local
 * engine; every switch that implies is an explicit prop and is printed below. The local engine is also
 * where the chaos run injects faults: that deployment alone carries the fault module.
 */
const app = new App();
const target = resolveDeploymentTarget();
for (const note of target.notes) process.stderr.write(`[courier] ${note}\n`);
if (target.kind === 'local') process.stderr.write('[courier] fault injection: wired into the local deployment (inert until COURIER_FAULTS is set)\n');

// `-c stage=x` (or COURIER_STAGE; default dev) prefixes every stack id; the app name comes from cdk.json
// context.courier, the file the ops CLI reads too.
const courier = (app.node.tryGetContext('courier') ?? {}) as { app?: string };
const scope = resolveScope({ stage: app.node.tryGetContext('stage') }, { app: courier.app, plugins: [] });
process.stderr.write(`[courier] stage ${scope.stage}: stacks ${scope.stage}-${scope.app ?? 'Courier'}…\n`);

const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
buildReferenceApp(app, {
  target,
  stage: scope.stage,
  appName: scope.app,
  alarmEmail: typeof alarmEmail === 'string' && alarmEmail ? alarmEmail : undefined,
  instrumentation: target.kind === 'local' ? chaosInstrumentation() : undefined,
});

// cdk-nag AwsSolutions runs on every synth: any unacknowledged finding stops synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
