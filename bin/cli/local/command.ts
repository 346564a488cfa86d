import { flag, intOption, stringOption, type Command, type Group, type OptionSpec, type Parsed } from '../args.js';
import { EXIT, UsageError } from '../context.js';
import { deployToEngine } from './deploy.js';
import {
  engineEnv,
  engineStatus,
  ensureEngine,
  installEngine,
  MINISTACK_VERSION,
  resetEngine,
  resolveOptions,
  startEngine,
  stopEngine,
  type EngineKind,
  type EngineOptions,
} from './engine.js';

const ENGINE_OPTIONS: Record<string, OptionSpec> = {
  port: { type: 'string', value: 'N', description: 'port of the MiniStack the project runs (COURIER_ENGINE_PORT; default 4566)' },
  engine: { type: 'string', value: 'NAME', description: 'ministack (default: installed and run here) or localstack (an engine you run)' },
  endpoint: { type: 'string', value: 'URL', description: 'use the engine at this URL instead of starting one (COURIER_ENGINE_ENDPOINT)' },
};

/** The engine options of a command line; a bad value is a usage error naming it. */
function engineOptions(parsed: Parsed, globalEndpoint?: string): EngineOptions {
  const engine = stringOption(parsed, 'engine');
  if (engine !== undefined && engine !== 'ministack' && engine !== 'localstack') throw new UsageError(`--engine must be ministack or localstack, got '${engine}'`);
  const port = intOption(parsed, 'port', undefined);
  const endpoint = stringOption(parsed, 'endpoint') ?? globalEndpoint;
  return { ...(engine && { engine: engine as EngineKind }), ...(port && { port }), ...(endpoint && { endpoint }) };
}

/** The variables `env` sets, so a shell can undo them. */
const ENV_NAMES = Object.keys(engineEnv());

/**
 * `courier local …`: the local engine (MiniStack, from PyPI, in the app's `.local/venv`, on
 * 127.0.0.1 only) and deploying the app in the working directory to it, with the read-back and repair
 * of every setting the engine is known to drop (docs/LOCAL-ENGINE.md).
 */
export const localGroup: Group = {
  name: 'local',
  summary: "the local engine: install, start, stop, status, reset, shell environment, deploy the app to it",
  commands: [
    {
      name: 'local install',
      summary: `install the pinned MiniStack ${MINISTACK_VERSION} into .local/venv (a no-op when it is there)`,
      options: {},
      async run(ctx) {
        const r = installEngine({ log: (l) => ctx.out.err(`${l}\n`) });
        ctx.out.out(`ministack ${r.version}${r.skipped ? ' (already installed)' : ' installed'}`);
        return EXIT.ok;
      },
    },
    {
      name: 'local start',
      summary: 'start the engine on 127.0.0.1 in the background (installing it if needed) and print its endpoint',
      options: { ...ENGINE_OPTIONS, timeout: { type: 'string', value: 'S', description: 'seconds to wait for health (default 60)' } },
      async run(ctx, parsed) {
        const timeout = intOption(parsed, 'timeout', undefined);
        const handle = await startEngine({ ...engineOptions(parsed, ctx.endpoint), ...(timeout && { timeoutMs: timeout * 1000 }), log: (l) => ctx.out.err(`${l}\n`) });
        ctx.out.out(handle.endpoint);
        return EXIT.ok;
      },
    },
    {
      name: 'local stop',
      summary: 'stop the engine these commands started (by its PID)',
      options: {},
      async run(ctx) {
        ctx.out.out((await stopEngine({ log: (l) => ctx.out.err(`${l}\n`) })) ? 'stopped' : 'not running');
        return EXIT.ok;
      },
    },
    {
      name: 'local status',
      summary: 'PID, endpoint, health and versions (exit 0 when healthy, 3 otherwise)',
      options: ENGINE_OPTIONS,
      async run(ctx, parsed) {
        const status = await engineStatus(engineOptions(parsed, ctx.endpoint));
        ctx.out.out(JSON.stringify({ ...status, pinned: MINISTACK_VERSION }, null, 2));
        return status.healthy ? EXIT.ok : EXIT.aws;
      },
    },
    {
      name: 'local reset',
      summary: 'wipe everything on the engine (every deployed stack included); needs --yes',
      options: { ...ENGINE_OPTIONS, yes: { type: 'boolean', description: 'yes, wipe it' } },
      async run(ctx, parsed) {
        const { endpoint } = resolveOptions(engineOptions(parsed, ctx.endpoint));
        if (!flag(parsed, 'yes')) throw new UsageError(`reset wipes every stack and item on ${endpoint}; run again with --yes`);
        await resetEngine(endpoint);
        ctx.out.out(`reset ${endpoint}`);
        return EXIT.ok;
      },
    },
    {
      name: 'local env',
      summary: 'print `export …` lines pointing a shell at the engine: eval "$(courier local env)"; --unset undoes them',
      options: { ...ENGINE_OPTIONS, unset: { type: 'boolean', description: 'print the `unset …` line that undoes it' } },
      async run(ctx, parsed) {
        if (flag(parsed, 'unset')) {
          ctx.out.out(`unset ${ENV_NAMES.join(' ')}`);
          return EXIT.ok;
        }
        const { endpoint } = resolveOptions(engineOptions(parsed, ctx.endpoint));
        for (const [k, v] of Object.entries(engineEnv(endpoint))) ctx.out.out(`export ${k}=${v}`);
        return EXIT.ok;
      },
    },
    {
      name: 'local deploy',
      summary: 'deploy the CDK app in this directory to the engine (started if needed), then read back and repair every setting',
      options: {
        ...ENGINE_OPTIONS,
        'reset-on-failure': { type: 'boolean', description: 'MiniStack ignores updates that only add outputs: reset the whole engine and deploy again when that happens' },
        stack: { type: 'string', multiple: true, value: 'NAME', description: 'deploy only this stack and the stacks it depends on (repeatable; the <stage>- prefix is added when missing)' },
      },
      details: 'The stage is --stage (or COURIER_STAGE), passed to the app as -c stage=…. Outputs land in .local/cdk-outputs.json.',
      async run(ctx, parsed) {
        const engine = await ensureEngine({ ...engineOptions(parsed, ctx.endpoint), log: (l) => ctx.out.err(`${l}\n`) });
        const stacks = parsed.values.stack as string[] | undefined;
        const deployed = await deployToEngine(engine, {
          stage: ctx.scope.stage,
          resetOnFailure: flag(parsed, 'reset-on-failure'),
          ...(stacks && { stacks }),
          log: (l) => ctx.out.err(`${l}\n`),
        });
        const repaired = deployed.settings.filter((s) => s.repaired).length;
        ctx.out.out(`deployed ${Object.keys(deployed.outputs).join(', ')} to ${engine.endpoint}; read back ${deployed.settings.length} settings (${repaired} repaired)`);
        return EXIT.ok;
      },
    },
  ] satisfies Command[],
};
