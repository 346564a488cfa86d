/**
 * Local AWS engine: install, start, stop and address the emulator that `npm run local` and the e2e
 * suite deploy to. See docs/LOCAL-ENGINE.md for what the pinned release does and does not support.
 *
 * - `ministack` (default): pinned MiniStack from PyPI in a project-local virtualenv (`.local/venv`),
 *   started in the background on 127.0.0.1 only, logs in `.local/ministack.log`, PID in
 *   `.local/ministack.pid`.
 * - `localstack`: nothing is installed or started; the given endpoint (default http://127.0.0.1:4566)
 *   is only health-checked and used.
 *
 * Only node: built-ins are used so that the module can be imported from any script or test setup.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { installedVersion as installedPackageVersion, installPinned } from './pinned-package.js';

/** Pinned MiniStack release (see docs/LOCAL-ENGINE.md § Pin for why this one). */
export const MINISTACK_VERSION = '1.5.33';
export const DEFAULT_PORT = 4566;
export const DEFAULT_REGION = 'us-east-1';
/** MiniStack's fixed account id (what `sts get-caller-identity` answers with `test` credentials). */
export const LOCAL_ACCOUNT = '000000000000';
export const LOOPBACK = '127.0.0.1';

export type EngineKind = 'ministack' | 'localstack';

export interface EngineOptions {
  /** Which engine; default from `COURIER_ENGINE`, else `ministack`. */
  engine?: EngineKind;
  /** Port for MiniStack; default from `COURIER_ENGINE_PORT`, else 4566. */
  port?: number;
  /** Use this endpoint instead of starting anything (implies nothing is installed or started). */
  endpoint?: string;
  /** Health wait budget in ms (default 60 s). */
  timeoutMs?: number;
  /** Project root holding `.local/` (default: the repo this file lives in). */
  root?: string;
  /** Progress lines go here (default: stderr). Pass `() => {}` to silence. */
  log?: (line: string) => void;
}

export interface EngineHandle {
  engine: EngineKind;
  endpoint: string;
  port: number;
  /** PID of the MiniStack process when this project manages it. */
  pid?: number;
  /** True when this call started the process (so the caller may want to stop it again). */
  started: boolean;
  version?: string;
  /** Environment for SDK clients, the CDK CLI and child processes talking to the engine. */
  env: Record<string, string>;
}

export interface EngineStatus {
  engine: EngineKind;
  endpoint: string;
  port: number;
  pid?: number;
  /** PID file present and the process alive. */
  running: boolean;
  /** Health endpoint answered. */
  healthy: boolean;
  version?: string;
  installedVersion?: string;
}

/** The app whose `.local/` holds the engine: the working directory (the app's root, as for the CDK CLI). */
export function appRoot(): string {
  return process.cwd();
}

export function enginePaths(root = appRoot()) {
  const local = join(root, '.local');
  return {
    local,
    venv: join(local, 'venv'),
    python: join(local, 'venv', 'bin', 'python'),
    ministack: join(local, 'venv', 'bin', 'ministack'),
    log: join(local, 'ministack.log'),
    pidFile: join(local, 'ministack.pid'),
    /** `{pid, port, version, startedAt}` of the running instance, next to the PID file. */
    stateFile: join(local, 'ministack.json'),
  };
}

/** Scratch directory of the MiniStack process (outside the repo, see ministackProcessEnv). */
export function engineTmpDir(port: number): string {
  return join(tmpdir(), `courier-ministack-${port}`);
}

function defaultLog(line: string): void {
  process.stderr.write(`[engine] ${line}\n`);
}

/** Options resolved against the environment: COURIER_ENGINE, COURIER_ENGINE_PORT, COURIER_ENGINE_ENDPOINT. */
export function resolveOptions(opts: EngineOptions = {}): Required<Omit<EngineOptions, 'endpoint'>> & {
  endpoint: string;
  external: boolean;
} {
  const env = process.env;
  const endpointOverride = opts.endpoint ?? env.COURIER_ENGINE_ENDPOINT;
  const kind = (opts.engine ?? (env.COURIER_ENGINE as EngineKind | undefined) ?? 'ministack') as EngineKind;
  if (kind !== 'ministack' && kind !== 'localstack') {
    throw new Error(`unknown engine "${kind}" (expected ministack or localstack)`);
  }
  let port = opts.port ?? (env.COURIER_ENGINE_PORT ? Number(env.COURIER_ENGINE_PORT) : undefined);
  if (endpointOverride && port === undefined) {
    const u = new URL(endpointOverride);
    port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  }
  port ??= DEFAULT_PORT;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid port ${port}`);
  const endpoint = (endpointOverride ?? `http://${LOOPBACK}:${port}`).replace(/\/+$/, '');
  return {
    engine: kind,
    port,
    endpoint,
    external: kind === 'localstack' || endpointOverride !== undefined,
    timeoutMs: opts.timeoutMs ?? 60_000,
    root: opts.root ?? appRoot(),
    log: opts.log ?? defaultLog,
  };
}

/**
 * Environment for anything that talks to the engine: AWS SDK v3 clients (they honour AWS_ENDPOINT_URL),
 * the CDK CLI (`cdk bootstrap` / `cdk deploy`) and the demo. Merge it over `process.env` with
 * {@link withEngineEnv} so that profile / session-token variables of a real account are dropped.
 */
export function engineEnv(portOrEndpoint: number | string = DEFAULT_PORT): Record<string, string> {
  const endpoint =
    typeof portOrEndpoint === 'number' ? `http://${LOOPBACK}:${portOrEndpoint}` : portOrEndpoint.replace(/\/+$/, '');
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: DEFAULT_REGION,
    AWS_DEFAULT_REGION: DEFAULT_REGION,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // The SDK v3 (3.11xx) reads AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true (the Node < 22
    // warning); AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING is the name older notes use, kept for them.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    // The CDK app resolves env-agnostic stacks against these; the CLI finds the account through STS.
    CDK_DEFAULT_ACCOUNT: LOCAL_ACCOUNT,
    CDK_DEFAULT_REGION: DEFAULT_REGION,
  };
}

/** Variables that would point the SDK / CDK CLI at a real account instead of the engine. */
const REAL_ACCOUNT_VARS = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/** `base` (default `process.env`) without real-account variables, overlaid with {@link engineEnv}. */
export function withEngineEnv(
  portOrEndpoint: number | string = DEFAULT_PORT,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of REAL_ACCOUNT_VARS) delete env[k];
  // Service-specific endpoint overrides (AWS_ENDPOINT_URL_SQS …) would win over AWS_ENDPOINT_URL.
  for (const k of Object.keys(env)) if (k.startsWith('AWS_ENDPOINT_URL_')) delete env[k];
  return { ...env, ...engineEnv(portOrEndpoint) };
}

/** Sets {@link engineEnv} on this process (for in-process SDK clients, e.g. the e2e setup). */
export function applyEngineEnv(portOrEndpoint: number | string = DEFAULT_PORT): void {
  const next = withEngineEnv(portOrEndpoint);
  for (const k of Object.keys(process.env)) if (!(k in next)) delete process.env[k];
  Object.assign(process.env, next);
}

// ---------------------------------------------------------------------------------------------------
// install

/** Version installed in `.local/venv`, or undefined. */
export function installedVersion(root = appRoot()): string | undefined {
  return installedPackageVersion(enginePaths(root).venv, 'ministack');
}

/** Installs MiniStack at {@link MINISTACK_VERSION} into `.local/venv`; a no-op when already there. */
export function installEngine(opts: { root?: string; version?: string; log?: (l: string) => void } = {}): {
  version: string;
  skipped: boolean;
} {
  const venv = enginePaths(opts.root ?? appRoot()).venv;
  return installPinned({ name: 'ministack', version: opts.version ?? MINISTACK_VERSION, venv }, opts.log ?? defaultLog);
}

// ---------------------------------------------------------------------------------------------------
// process management

function readPid(root: string): number | undefined {
  const { pidFile } = enginePaths(root);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function readState(root: string): { pid?: number; port?: number; version?: string } {
  try {
    return JSON.parse(readFileSync(enginePaths(root).stateFile, 'utf8'));
  } catch {
    return {};
  }
}

/** True when `pid` is alive and is a MiniStack of this project (guards against recycled PIDs). */
function isOurEngine(pid: number, root: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('ministack') && cmd.includes(enginePaths(root).venv);
  } catch {
    return true; // no /proc (macOS): trust the PID file
  }
}

function clearPidFiles(root: string): void {
  const p = enginePaths(root);
  rmSync(p.pidFile, { force: true });
  rmSync(p.stateFile, { force: true });
}

async function fetchHealth(
  endpoint: string,
  engine: EngineKind,
  timeoutMs = 2000,
): Promise<{ ok: boolean; version?: string }> {
  const paths = engine === 'ministack' ? ['/_ministack/ready', '/_ministack/health'] : ['/_localstack/health'];
  let version: string | undefined;
  for (const path of paths) {
    try {
      const res = await fetch(endpoint + path, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return { ok: false };
      const body = (await res.json().catch(() => ({}))) as { version?: string };
      version ??= body.version;
    } catch {
      return { ok: false };
    }
  }
  return { ok: true, version };
}

/** Polls the health endpoint until it answers or `timeoutMs` passes. */
export async function waitForHealth(
  endpoint: string,
  engine: EngineKind = 'ministack',
  timeoutMs = 60_000,
  alive: () => boolean = () => true,
): Promise<{ version?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const h = await fetchHealth(endpoint, engine);
    if (h.ok) return { version: h.version };
    if (!alive()) throw new Error(`engine process exited before ${endpoint} became healthy`);
    if (Date.now() > until) throw new Error(`engine at ${endpoint} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Environment the MiniStack process gets. Functions it runs inherit it, so nothing of the caller leaks. */
function ministackProcessEnv(port: number): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'USER', 'SHELL'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    // loopback only: the gateway, and every side listener that would otherwise bind 0.0.0.0
    BIND_HOST: LOOPBACK,
    GATEWAY_PORT: String(port),
    IOT_MTLS_ENABLED: '0', // IoT MQTT mTLS listener binds 0.0.0.0:8883 by default
    SFTP_ENABLED: '0', // Transfer Family SFTP listener (SFTP_HOST defaults to 0.0.0.0)
    SFTP_HOST: LOOPBACK,
    // Host name it writes into URLs it hands out (HTTP API endpoint `{id}.execute-api.<host>:<port>`,
    // custom-resource ResponseURL, SNS SubscribeURL). Not an IP: `{id}.execute-api.127.0.0.1` is an
    // invalid URL for WHATWG parsers (new URL() throws). `*.localhost` resolves to loopback in curl and
    // browsers, not in Node's resolver: Node clients use apiUrl() below (path style) instead.
    MINISTACK_HOST: 'localhost',
    MINISTACK_REGION: DEFAULT_REGION,
    LAMBDA_EXECUTOR: 'local', // Node functions run as local processes (no Docker)
    PERSIST_STATE: '0',
    LOG_LEVEL: process.env.MINISTACK_LOG_LEVEL ?? 'INFO',
    // Lambda code dirs, its own PID file and certs. Deliberately OUTSIDE the repo: function code is
    // unpacked under TMPDIR and run by the host `node`, so inside the repo the worker would inherit
    // the repo's package.json ("type": "module" breaks MiniStack's CommonJS worker: "Worker process
    // exited immediately") and resolve packages from the repo's node_modules (masking missing bundling).
    TMPDIR: engineTmpDir(port),
    // functions inherit this process's env: give them the engine's credentials and a quiet SDK
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
}

/** Starts MiniStack in the background (installing it first when needed) and waits for health. */
export async function startEngine(opts: EngineOptions = {}): Promise<EngineHandle> {
  const o = resolveOptions(opts);
  if (o.external) return attachExternal(o);
  const p = enginePaths(o.root);

  const existing = readPid(o.root);
  if (existing && isOurEngine(existing, o.root)) {
    const st = readState(o.root);
    if (st.port !== undefined && st.port !== o.port) {
      throw new Error(`MiniStack already running (pid ${existing}) on port ${st.port}, not ${o.port}; stop it first`);
    }
    const h = await waitForHealth(o.endpoint, 'ministack', o.timeoutMs, () => isOurEngine(existing, o.root));
    o.log(`MiniStack already running (pid ${existing}) at ${o.endpoint}`);
    return { engine: 'ministack', endpoint: o.endpoint, port: o.port, pid: existing, started: false, version: h.version, env: engineEnv(o.endpoint) };
  }
  if (existing) clearPidFiles(o.root); // stale

  // Something else (a MiniStack started by hand, or another program) on the port?
  const foreign = await fetchHealth(o.endpoint, 'ministack', 1000);
  if (foreign.ok) {
    o.log(`an engine not started by these scripts already answers at ${o.endpoint} (version ${foreign.version}); using it`);
    return { engine: 'ministack', endpoint: o.endpoint, port: o.port, started: false, version: foreign.version, env: engineEnv(o.endpoint) };
  }

  installEngine({ root: o.root, log: o.log });
  rmSync(engineTmpDir(o.port), { recursive: true, force: true });
  mkdirSync(engineTmpDir(o.port), { recursive: true });
  const out = openSync(p.log, 'a');
  writeFileSync(out, `\n--- ${new Date().toISOString()} starting MiniStack ${MINISTACK_VERSION} on ${o.endpoint}\n`);
  const child = spawn(p.ministack, [], {
    cwd: p.local,
    env: ministackProcessEnv(o.port),
    stdio: ['ignore', out, out],
    detached: true, // own process group: `stop` ends it and the function workers it spawned
  });
  closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${p.ministack}`);
  let exited = false;
  child.on('exit', () => (exited = true));
  child.unref();
  writeFileSync(p.pidFile, `${pid}\n`);
  writeFileSync(p.stateFile, JSON.stringify({ pid, port: o.port, version: MINISTACK_VERSION, startedAt: new Date().toISOString() }) + '\n');
  o.log(`started MiniStack ${MINISTACK_VERSION} (pid ${pid}), logs in ${p.log}`);
  try {
    const t0 = Date.now();
    const h = await waitForHealth(o.endpoint, 'ministack', o.timeoutMs, () => !exited);
    o.log(`healthy after ${Date.now() - t0} ms at ${o.endpoint}`);
    return { engine: 'ministack', endpoint: o.endpoint, port: o.port, pid, started: true, version: h.version, env: engineEnv(o.endpoint) };
  } catch (err) {
    await stopEngine({ root: o.root, log: () => {} });
    throw new Error(`${(err as Error).message}; see ${p.log}`);
  }
}

async function attachExternal(o: ReturnType<typeof resolveOptions>): Promise<EngineHandle> {
  o.log(`using ${o.engine} at ${o.endpoint} (nothing installed or started)`);
  const h = await waitForHealth(o.endpoint, o.engine, o.timeoutMs);
  return { engine: o.engine, endpoint: o.endpoint, port: o.port, started: false, version: h.version, env: engineEnv(o.endpoint) };
}

/** Start-or-reuse: what the demo and the e2e setup call. */
export async function ensureEngine(opts: EngineOptions = {}): Promise<EngineHandle> {
  return startEngine(opts);
}

/** Stops the MiniStack started by these scripts (by its PID and process group). Returns whether one was running. */
export async function stopEngine(opts: { root?: string; log?: (l: string) => void; timeoutMs?: number } = {}): Promise<boolean> {
  const root = opts.root ?? appRoot();
  const log = opts.log ?? defaultLog;
  const pid = readPid(root);
  if (!pid) {
    log('MiniStack not running (no PID file)');
    return false;
  }
  if (!isOurEngine(pid, root)) {
    log(`stale PID file (pid ${pid} is not running MiniStack); removed`);
    clearPidFiles(root);
    return false;
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the process group: MiniStack and its function workers
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  signal('SIGTERM');
  const until = Date.now() + (opts.timeoutMs ?? 10_000);
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    log(`pid ${pid} ignored SIGTERM; sending SIGKILL`);
    signal('SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
  // leftover function workers in the group
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* none left */
  }
  const port = readState(root).port;
  clearPidFiles(root);
  if (port) rmSync(engineTmpDir(port), { recursive: true, force: true });
  log(`stopped MiniStack (pid ${pid})`);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie still answers kill(0); treat it as gone
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export async function engineStatus(opts: EngineOptions = {}): Promise<EngineStatus> {
  const o = resolveOptions(opts);
  if (o.external) {
    const h = await fetchHealth(o.endpoint, o.engine);
    return { engine: o.engine, endpoint: o.endpoint, port: o.port, running: h.ok, healthy: h.ok, version: h.version };
  }
  const pid = readPid(o.root);
  const st = readState(o.root);
  const port = st.port ?? o.port;
  const endpoint = st.port ? `http://${LOOPBACK}:${st.port}` : o.endpoint;
  const running = pid !== undefined && isOurEngine(pid, o.root);
  const h = await fetchHealth(endpoint, 'ministack');
  return { engine: 'ministack', endpoint, port, pid: running ? pid : undefined, running, healthy: h.ok, version: h.version, installedVersion: installedVersion(o.root) };
}

/** `POST /_ministack/reset`: wipes every resource, deployed stacks included (use sparingly). */
export async function resetEngine(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint.replace(/\/+$/, '')}/_ministack/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`reset failed: HTTP ${res.status}`);
}

/**
 * Base URL through which Node clients reach an HTTP API on the engine. MiniStack's ApiEndpoint is
 * `http://{apiId}.execute-api.localhost:{port}` (fine for curl and browsers, not resolvable by Node's
 * DNS lookup); its LocalStack-compatible path style works everywhere:
 * `{endpoint}/_aws/execute-api/{apiId}/{stage}` (`$default` stage for HTTP APIs).
 */
export function apiUrl(endpoint: string, apiId: string, stage = '$default'): string {
  return `${endpoint.replace(/\/+$/, '')}/_aws/execute-api/${apiId}/${stage}`;
}
