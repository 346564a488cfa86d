import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { readFileSync } from 'node:fs';
import { withEngineEnv } from '../../../bin/cli/local/engine';
import { cdk } from '../../../bin/cli/local/deploy';
import { deployedResources } from '../../../bin/cli/local/deployed-resources';
import { verifyDeployment, type SettingResult } from '../../../bin/cli/local/verify-deployment';
import type { LocalSystem } from '../../../scripts/local/system';

/** Where the e2e fixture app synthesizes, apart from the reference app's cdk.out. */
const OUT = 'cdk.out.e2e';
const OUTPUTS = '.local/e2e-outputs.json';

/** The fixture app, with the shared bus and alarm topic of the deployed reference app as context. */
function appArgs(sys: LocalSystem): string[] {
  const bus = sys.deployment.bus;
  if (!bus) throw new Error('the reference app is not deployed (no CourierBus output)');
  return ['--app', 'npx tsx test/e2e/extras/app.ts', '--output', OUT, '-c', `busName=${bus.busName}`, '-c', `alarmTopicArn=${bus.alarmTopicArn}`];
}

const log = (line: string) => process.stderr.write(`[e2e extras] ${line}\n`);

/**
 * Deploys one stack of the e2e fixture app (test/e2e/extras/app.ts) to the local engine and reads back
 * every setting its template asks for, repairing what the engine is known to drop, as the reference
 * deploy does. Returns the stack's outputs and the read-back.
 */
export async function deployExtras(sys: LocalSystem, stack: string): Promise<{ outputs: Record<string, string>; settings: SettingResult[] }> {
  const env = withEngineEnv(sys.endpoint);
  cdk(['deploy', stack, ...appArgs(sys), '--require-approval', 'never', '--outputs-file', OUTPUTS], env, log);
  const outputs = (JSON.parse(readFileSync(OUTPUTS, 'utf8')) as Record<string, Record<string, string>>)[stack] ?? {};
  const resources = await deployedResources(sys.clients.cfn as CloudFormationClient, [stack], OUT);
  const settings = await verifyDeployment(resources, sys.clients, { repair: true, log });
  const missing = settings.filter((s) => !s.ok);
  if (missing.length > 0) throw new Error(`${stack}: settings not in effect: ${JSON.stringify(missing)}`);
  return { outputs, settings };
}

/**
 * Removes the stack again: every courier tool discovers consumers from all stacks' outputs, so a fixture
 * consumer left behind would join the next suite's clean-up, settle and fault plans.
 */
export function destroyExtras(sys: LocalSystem, stack: string): void {
  cdk(['destroy', stack, ...appArgs(sys), '--force'], withEngineEnv(sys.endpoint), log);
}
