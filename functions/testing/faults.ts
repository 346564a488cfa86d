import { createLogger, Metrics, type Logger } from '../runtime/index.js';

/**
 * Fault injection for chaos runs on the local engine. Off by default; honoured only when
 * the function talks to a loopback AWS_ENDPOINT_URL, so a stack on real AWS can never inject faults, even
 * with the variable set (it logs one error line naming the ignored setting instead).
 *
 * COURIER_FAULTS is a JSON object of rates in 0..1 and an optional integer seed, e.g.
 * `{"transient":0.1,"timeout":0.02,"crash":0.01,"putEventsThrottle":0.05,"idempotencyThrottle":0.05,"seed":42}`.
 * Rates are per opportunity: per record run (transient, timeout, permanent), per settled record (crash),
 * per entry per PutEvents attempt (putEventsThrottle), per idempotency-table request (idempotencyThrottle).
 * `permanent` is a deployed bug: set to 1 on one consumer, every record it runs fails with an ordinary
 * error (InjectedBug) — classified transient, as a real bug's TypeError is — so its messages are retried
 * until SQS moves them to the DLQ after `maxReceiveCount` receives, to be redriven once the bug is fixed.
 * Unknown keys and out-of-range values are rejected: on the local engine the invocation throws a
 * FaultConfigError. Read per invocation (the chaos driver flips it with UpdateFunctionConfiguration);
 * when the variable is unset the cost is one environment read.
 *
 * Nothing of this is in the runtime: `installFaults()` (fault-middleware.ts) wires it in as consumer
 * middleware (transient, timeout, crash) and AWS SDK middleware (putEventsThrottle, idempotencyThrottle),
 * and only a deployment that injects that call — the reference app's local chaos deployment — has it in
 * its bundles. Every injected fault writes one log line (`fault injected`, field `fault`) and one EMF
 * document with the metric `fault_<kind>`.
 */
/**
 * The environment variable that turns fault injection on for one function (see above for its format).
 *
 * @example
 * await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables: { ...variables, [FAULTS_ENV]: JSON.stringify({ transient: 0.1, seed: 42 }) } } }));
 */
export const FAULTS_ENV = 'COURIER_FAULTS';

/**
 * Every fault that can be injected, the keys of a COURIER_FAULTS setting besides `seed`.
 *
 * @example
 * const injected = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
 */
export const FAULT_KINDS = ['transient', 'timeout', 'crash', 'putEventsThrottle', 'idempotencyThrottle', 'permanent'] as const;
/** One kind of fault: the name of its rate in COURIER_FAULTS, of its `fault_<kind>` metric and of its log lines' `fault` field. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A valid COURIER_FAULTS setting: a rate in 0..1 for every fault kind (0 when not given) and the optional seed. */
export interface FaultConfig {
  rates: Readonly<Record<FaultKind, number>>;
  /** Without a seed, decisions use Math.random. */
  seed?: number;
}

/**
 * COURIER_FAULTS is not a valid setting: thrown by `parseFaults`, and by the invocation on the local
 * engine, so a typo in a chaos plan fails loudly instead of injecting nothing.
 *
 * @example
 * expect(() => parseFaults('{"transiant":0.1}')).toThrow(FaultConfigError);
 */
export class FaultConfigError extends Error {
  override name = 'FaultConfigError';
}

/** The `transient` fault: thrown instead of running the business handler; classified transient. */
export class InjectedTransientFault extends Error {
  override name = 'InjectedTransientFault';
}

/**
 * The `permanent` fault: a deployed bug, thrown instead of running the business handler on every record.
 * An ordinary Error, so the runtime retries it like any bug; only a fix (COURIER_FAULTS off) and a redrive
 * of the DLQ get the records through.
 */
export class InjectedBug extends Error {
  override name = 'InjectedBug';
}

/** The `idempotencyThrottle` fault: shaped like the SDK's throttling error, thrown before the request is sent. */
export class InjectedThrottle extends Error {
  override name = 'ProvisionedThroughputExceededException';
  readonly $fault = 'client';
  readonly $retryable = { throttling: true };
  readonly $metadata = {};
}

/** Loopback only: 127.0.0.0/8, localhost, ::1. Anything unparsable is not loopback. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host === 'localhost' || host === '[::1]') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/**
 * Parses and validates a COURIER_FAULTS value; throws FaultConfigError saying what is wrong. A chaos
 * driver calls it before setting a value, to refuse a plan the runtime would reject.
 *
 * @example
 * const setting = JSON.stringify({ transient: 0.1, crash: 0.01, seed: 42 });
 * parseFaults(setting); // { rates: { transient: 0.1, crash: 0.01, timeout: 0, … }, seed: 42 }
 */
export function parseFaults(raw: string): FaultConfig {
  const fail = (why: string): never => {
    throw new FaultConfigError(`${FAULTS_ENV} ${why}; expected a JSON object like {"transient":0.1,"seed":42} with keys ${[...FAULT_KINDS, 'seed'].join(', ')}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return fail(`is not JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('is not a JSON object');
  const rates = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let seed: number | undefined;
  for (const [key, value] of Object.entries(json)) {
    if (key === 'seed') {
      if (!Number.isSafeInteger(value)) fail(`has seed ${JSON.stringify(value)}, not an integer`);
      seed = value as number;
    } else if ((FAULT_KINDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(`has ${key} ${JSON.stringify(value)}, not a rate in 0..1`);
      rates[key as FaultKind] = value as number;
    } else {
      fail(`has unknown key "${key}"`);
    }
  }
  return { rates, ...(seed !== undefined && { seed }) };
}

/** mulberry32: a small, fast seeded PRNG; plenty for picking faults reproducibly. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Resolved setting, cached per (COURIER_FAULTS, AWS_ENDPOINT_URL) pair so a value is parsed (and an
 * ignored one logged) once per process, and the seeded streams run on across invocations.
 */
interface State {
  key: string;
  config?: FaultConfig;
  error?: FaultConfigError;
  /** One stream per kind, so enabling one kind does not shift another's decisions. */
  draw?: Record<FaultKind, () => number>;
}
let state: State | undefined;

function resolve(raw: string, endpoint: string | undefined): State {
  const key = `${raw}\u0000${endpoint ?? ''}`;
  if (state?.key === key) return state;
  const log = createLogger({ component: 'faults' });
  if (!isLoopbackEndpoint(endpoint)) {
    log.error(`${FAULTS_ENV} is set but ignored: fault injection runs only against the local engine (a loopback AWS_ENDPOINT_URL)`, {
      setting: FAULTS_ENV,
      aws_endpoint_url: endpoint ?? null,
    });
    return (state = { key });
  }
  try {
    const config = parseFaults(raw);
    const draw = Object.fromEntries(
      FAULT_KINDS.map((kind, i) => [kind, config.seed === undefined ? Math.random : mulberry32(config.seed ^ Math.imul(i + 1, 0x9e3779b9))]),
    ) as Record<FaultKind, () => number>;
    log.warn('fault injection enabled', { setting: FAULTS_ENV, ...config });
    return (state = { key, config, draw });
  } catch (error) {
    log.error('fault injection setting rejected', { setting: FAULTS_ENV, error });
    return (state = { key, error: error as FaultConfigError });
  }
}

/** Forget the cached setting and the seeded streams (tests). */
export function resetFaults(): void {
  state = undefined;
}

/**
 * The fault injector for this invocation, or undefined when fault injection is off (unset, ignored
 * outside the local engine, or every rate 0). Throws FaultConfigError for an invalid setting on the
 * local engine. `dimensions` is `{ consumer }` or `{ service }`.
 */
export function activeFaults(dimensions: Record<string, string>): FaultInjector | undefined {
  const raw = process.env[FAULTS_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const resolved = resolve(raw, process.env.AWS_ENDPOINT_URL);
  if (resolved.error) throw resolved.error;
  if (!resolved.config || !FAULT_KINDS.some((k) => resolved.config!.rates[k] > 0)) return undefined;
  return new FaultInjector(resolved.config, resolved.draw!, dimensions);
}

export class FaultInjector {
  constructor(
    readonly config: FaultConfig,
    private readonly draw: Record<FaultKind, () => number>,
    private readonly dimensions: Record<string, string>,
  ) {}

  /** Decides one opportunity for `kind`. */
  hit(kind: FaultKind): boolean {
    const rate = this.config.rates[kind];
    return rate > 0 && this.draw[kind]() < rate;
  }

  /** Counts `count` injected faults of `kind`: one log line and one EMF document. */
  record(kind: FaultKind, fields: Record<string, unknown> = {}, log?: Logger, count = 1): void {
    (log ?? createLogger({ component: 'faults', ...this.dimensions })).warn('fault injected', { fault: kind, count, ...fields });
    const metrics = new Metrics(this.dimensions);
    metrics.add(`fault_${kind}`, 'Count', count);
    metrics.flush();
  }
}
