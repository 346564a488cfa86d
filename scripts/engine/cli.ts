/**
 * `npx tsx scripts/engine/cli.ts install|start|stop|status|reset|env [--port N] [--engine ministack|localstack] [--endpoint URL]`
 *
 * install  MiniStack (pinned) into .local/venv; no-op when already there
 * start    install if needed, start on 127.0.0.1 in the background, wait for health, print the endpoint
 * stop     stop the instance these scripts started (by its PID), remove the PID file
 * status   PID, endpoint, health and versions; exit code 0 when healthy, 3 otherwise
 * reset    POST /_ministack/reset (wipes everything, deployed stacks included)
 * env      print `export …` lines for a shell: eval "$(npx tsx scripts/engine/cli.ts env)"
 */
import {
  engineEnv,
  engineStatus,
  installEngine,
  MINISTACK_VERSION,
  resetEngine,
  resolveOptions,
  startEngine,
  stopEngine,
  type EngineKind,
  type EngineOptions,
} from './engine';

function parseArgs(argv: string[]): { cmd: string; opts: EngineOptions } {
  const opts: EngineOptions = {};
  let cmd = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') opts.port = Number(value());
    else if (flag === '--engine') opts.engine = value() as EngineKind;
    else if (flag === '--endpoint') opts.endpoint = value();
    else if (flag === '--timeout') opts.timeoutMs = Number(value()) * 1000;
    else if (!flag.startsWith('-') && !cmd) cmd = flag;
    else throw new Error(`unknown argument ${a}`);
  }
  return { cmd, opts };
}

async function main(): Promise<number> {
  const { cmd, opts } = parseArgs(process.argv.slice(2));
  switch (cmd) {
    case 'install': {
      const r = installEngine();
      console.log(`ministack ${r.version}${r.skipped ? ' (already installed)' : ' installed'}`);
      return 0;
    }
    case 'start': {
      const h = await startEngine(opts);
      console.log(h.endpoint);
      return 0;
    }
    case 'stop':
      await stopEngine();
      return 0;
    case 'status': {
      const s = await engineStatus(opts);
      console.log(JSON.stringify({ ...s, pinned: MINISTACK_VERSION }, null, 2));
      return s.healthy ? 0 : 3;
    }
    case 'reset': {
      const o = resolveOptions(opts);
      await resetEngine(o.endpoint);
      console.log(`reset ${o.endpoint}`);
      return 0;
    }
    case 'env': {
      const o = resolveOptions(opts);
      for (const [k, v] of Object.entries(engineEnv(o.endpoint))) console.log(`export ${k}=${v}`);
      return 0;
    }
    default:
      console.error('usage: npx tsx scripts/engine/cli.ts install|start|stop|status|reset|env [--port N] [--engine ministack|localstack] [--endpoint URL] [--timeout SECONDS]');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`[engine] ${err.message}`);
    process.exit(1);
  },
);
