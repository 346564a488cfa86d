import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApiAuthorization, resolveDeploymentTarget } from 'courier/constructs';
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

const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');
buildReferenceApp(app, {
  target,
  stage: scope.stage,
  appName: scope.app,
  alarmEmail: typeof alarmEmail === 'string' && alarmEmail ? alarmEmail : undefined,
  apiAuthorization: apiAuthorization(),
  instrumentation: target.kind === 'local' ? chaosInstrumentation() : undefined,
});

// cdk-nag AwsSolutions runs on every synth: any unacknowledged finding stops synthesis.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
