import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateArchiveCommand, EventBridgeClient, ListArchivesCommand } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_REGION, LOCAL_ACCOUNT, resetEngine, withEngineEnv, type EngineHandle } from './engine.js';
import { deployedResources } from './deployed-resources.js';
import { verifyDeployment, type SettingResult } from './verify-deployment.js';

export const OUTPUTS_FILE = '.local/cdk-outputs.json';

/** Stack outputs by stack name, as `cdk deploy --outputs-file` writes them. */
export type StackOutputs = Record<string, Record<string, string>>;

export interface LocalDeployment {
  outputs: StackOutputs;
  settings: SettingResult[];
  seconds: { bootstrap: number; deploy: number; verify: number };
}

export interface DeployOptions {
  /** Progress lines. @default - stderr */
  log?: (line: string) => void;
  /** The stage (`-c stage=…`). @default - the app's own default */
  stage?: string;
  /**
   * MiniStack ignores stack updates that only add outputs; with this, such a failed or stale deploy
   * resets the whole engine (every app's stacks on it) and deploys again. For a project that owns the
   * engine alone.
   * @default false
   */
  resetOnFailure?: boolean;
  /**
   * Deploy only these stacks (and the stacks they depend on), by name; a name without the `<stage>-`
   * prefix gets it (`CourierInventory` with stage `b` → `b-CourierInventory`).
   * @default - every stack of the app (`--all`)
   */
  stacks?: readonly string[];
}

/**
 * Deploys the CDK app in the working directory to the local engine: bootstrap, `cdk deploy --all`, then
 * the local-only repair step for settings the engine drops (docs/LOCAL-ENGINE.md) and a read-back of
 * every setting the templates ask for. Throws, listing them, when any setting is still not in effect.
 *
 * @example
 * const { outputs } = await deployToEngine(await ensureEngine(), { stage: 'dev' });
 */
export async function deployToEngine(engine: Pick<EngineHandle, 'endpoint' | 'engine'>, options: DeployOptions = {}): Promise<LocalDeployment> {
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const env = { ...withEngineEnv(engine.endpoint), ...(options.stage && { COURIER_STAGE: options.stage }) };
  const t0 = Date.now();
  cdk(['bootstrap', `aws://${LOCAL_ACCOUNT}/${DEFAULT_REGION}`], env, log);
  const t1 = Date.now();
  let outputs: StackOutputs;
  try {
    outputs = deployAll(env, log, options.stacks);
    const stale = staleOutputs(outputs);
    if (stale.length > 0) throw new Error(`stale outputs ${stale.join(', ')}`);
  } catch (error) {
    if (engine.engine !== 'ministack' || !options.resetOnFailure) throw error;
    // MiniStack answers "no changes" to an update that only adds outputs/exports, so stacks deployed by an
    // older version of the app keep old outputs and their dependants fail. Its state is disposable: start over.
    log(`local repair: deploy onto the existing engine state failed (${(error as Error).message}); resetting the engine and deploying from scratch`);
    await resetEngine(engine.endpoint);
    cdk(['bootstrap', `aws://${LOCAL_ACCOUNT}/${DEFAULT_REGION}`], env, log);
    outputs = deployAll(env, log, options.stacks);
  }
  const t2 = Date.now();

  const config = { endpoint: engine.endpoint, region: DEFAULT_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const clients = {
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    dynamodb: new DynamoDBClient(config),
    lambda: new LambdaClient(config),
  };
  const resources = await deployedResources(new CloudFormationClient(config), Object.keys(outputs));
  const settings = await verifyDeployment(resources, clients, { repair: true, log });
  await ensureArchive(new EventBridgeClient(config), outputs, log, !options.stacks);
  const missing = settings.filter((s) => !s.ok);
  if (missing.length > 0) {
    throw new Error(
      `settings not in effect after deploy and repair:\n${missing.map((m) => `  ${m.setting} on ${m.resource}: wanted ${JSON.stringify(m.wanted)}, got ${JSON.stringify(m.actual)}`).join('\n')}`,
    );
  }
  const repaired = settings.filter((s) => s.repaired).length;
  log(`read back ${settings.length} settings on ${resources.length} resources: all in effect (${repaired} applied by the local repair step)`);
  return { outputs, settings, seconds: { bootstrap: (t1 - t0) / 1000, deploy: (t2 - t1) / 1000, verify: (Date.now() - t2) / 1000 } };
}

function deployAll(env: NodeJS.ProcessEnv, log: (line: string) => void, stacks?: readonly string[]): StackOutputs {
  // Local engine only: nothing here reaches an AWS account, so no approval prompt.
  const stage = env.COURIER_STAGE ? ['-c', `stage=${env.COURIER_STAGE}`] : [];
  const selection = stacks ? stackNames(stacks, env.COURIER_STAGE) : ['--all'];
  cdk(['deploy', ...selection, '--require-approval', 'never', ...stage, '--outputs-file', OUTPUTS_FILE], env, log);
  return JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as StackOutputs;
}

/** Stack names as cdk takes them: the stage prefix added where it is missing. */
export function stackNames(stacks: readonly string[], stage: string | undefined): string[] {
  if (stacks.length === 0) throw new Error('no stacks named: leave the selection out to deploy every stack');
  return stacks.map((name) => (!stage || name.startsWith(`${stage}-`) ? name : `${stage}-${name}`));
}

/** Outputs the synthesized templates declare but the deployed stacks lack (`stack.key`). */
function staleOutputs(outputs: StackOutputs): string[] {
  return Object.keys(outputs).flatMap((stack) => {
    const template = JSON.parse(readFileSync(`cdk.out/${stack}.template.json`, 'utf8')) as { Outputs?: Record<string, unknown> };
    return Object.keys(template.Outputs ?? {}).filter((key) => !(key in outputs[stack]!)).map((key) => `${stack}.${key}`);
  });
}

/** Runs the CDK CLI; its (long) output is kept and shown only when it fails. */
function cdk(args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  log(`$ cdk ${args.join(' ')}`);
  const result = spawnSync('npx', ['cdk', ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').filter((l) => !l.includes(' | ')).slice(-60).join('\n');
    throw new Error(`cdk ${args[0]} failed (exit ${result.status ?? result.signal}):\n${output}`);
  }
}

/**
 * The engine cannot deploy `AWS::Events::Archive`, so the app leaves it out there (lib/constructs/deployment-target.ts) and
 * it is created here through the API, once, for `courier replay`.
 */
async function ensureArchive(events: EventBridgeClient, outputs: StackOutputs, log: (line: string) => void, required: boolean): Promise<void> {
  const [stack, bus] = Object.entries(outputs).map(([name, o]) => [name, o.CourierBus] as const).find(([, b]) => b) ?? [];
  if (!stack || !bus) {
    // A chosen subset of stacks may leave the messaging stack out (deployed earlier): its archive is its own business.
    if (!required) return;
    throw new Error('no CourierBus output: is the messaging stack deployed?');
  }
  const { busArn, archiveArn } = JSON.parse(bus) as { busArn: string; archiveArn: string | null };
  if (archiveArn) return;
  const { Archives = [] } = await events.send(new ListArchivesCommand({ EventSourceArn: busArn }));
  if (Archives.length > 0) return;
  // One archive per bus, named after its stack: two stages on one engine each get their own.
  const name = `${stack}-archive`;
  log(`local repair: creating archive ${name} for ${busArn} through the API`);
  await events.send(new CreateArchiveCommand({ ArchiveName: name, EventSourceArn: busArn, RetentionDays: 30 }));
}
