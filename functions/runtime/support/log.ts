/**
 * Structured JSON logs, one line per entry, with the keys Powertools for AWS Lambda's Logger writes, in
 * its order (`level` upper-case, `message`, `timestamp`, `service`, `cold_start`, `function_name`,
 * `function_request_id`, `xray_trace_id`, then the entry's own keys), so queries written for Powertools
 * work on courier's lines and Lambda's advanced logging controls can filter them by level. Left out:
 * `function_arn` and `function_memory_size` (≈ 160 bytes a line, a fifth of a record line, for what the
 * log group already names) and `sampling_rate` (no debug sampling). Hand-written (bench/RESULTS.md
 * § Consumer bundle measures why); a Powertools Logger can be passed wherever courier takes a logger
 * (`asLogger`).
 */
import { xrayTraceId } from '../../contracts/trace-context.js';
import { ENV } from '../../contracts/conventions.js';
import { currentInvocation, serviceName } from './invocation.js';
import { currentTrace } from './trace-scope.js';

/** The structured fields of a log line, beside its message (errors are serialised with name, message and stack). */
export type LogFields = Record<string, unknown>;

/**
 * The four methods courier calls on a logger it is given, always with a message and an object of
 * fields: what any logger passed to courier must have (a Powertools Logger has them).
 */
export interface LogMethods {
  debug(message: string, fields: LogFields): void;
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

/**
 * courier's logger: what handlers get as `context.log` and what `createLogger`/`asLogger` return. Fields
 * are optional per call, and `child` binds fields to every later line.
 */
export interface Logger extends LogMethods {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry (e.g. correlation_id, event_id). */
  child(fields: LogFields): Logger;
}

/** Powertools' levels and thresholds; a line is written when its level's threshold ≥ the configured one. */
export const LOG_LEVELS = { TRACE: 6, DEBUG: 8, INFO: 12, WARN: 16, ERROR: 20, CRITICAL: 24, SILENT: 28 } as const;
/** A log level, Powertools' names: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `CRITICAL`, `SILENT`. */
export type LogLevel = keyof typeof LOG_LEVELS;

/**
 * The configured level: `AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging controls; `FATAL` means
 * CRITICAL), then `POWERTOOLS_LOG_LEVEL`, then `LOG_LEVEL`, case-insensitive; an unknown value is
 * skipped; INFO when none is set.
 * @example
 * logLevelFromEnv({ POWERTOOLS_LOG_LEVEL: 'debug' }); // 'DEBUG'
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  for (const name of [ENV.lambdaLogLevel, ENV.powertoolsLogLevel, ENV.logLevel]) {
    const value = env[name]?.trim().toUpperCase();
    const level = value === 'FATAL' ? 'CRITICAL' : value;
    if (level && level in LOG_LEVELS) return level as LogLevel;
  }
  return 'INFO';
}

/** Keys a line's own fields may not replace (Powertools reserves the same). */
const RESERVED = ['level', 'message', 'timestamp', 'service'] as const;

/** What `createLogger` takes beside its base fields: a fixed level and service instead of the environment's. */
export interface LoggerOptions {
  /** @default - from the environment (`logLevelFromEnv`) */
  level?: LogLevel;
  /** @default - `POWERTOOLS_SERVICE_NAME`, else `SERVICE_NAME` */
  service?: string;
}

/**
 * A logger writing Powertools-shaped JSON lines to stdout (or `write`), with `base` on every line.
 * @example
 * const log = createLogger({ component: 'sync' });
 * log.info('synced', { items: 12 }); // {"level":"INFO","message":"synced",…,"component":"sync","items":12}
 */
export function createLogger(base: LogFields = {}, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`), options: LoggerOptions = {}): Logger {
  const level = options.level ?? logLevelFromEnv();
  const threshold = LOG_LEVELS[level];
  const own = withoutReserved(base);
  const service = options.service ?? serviceName();
  const emit = (entryLevel: LogLevel) => (message: string, fields: LogFields = {}) => {
    if (LOG_LEVELS[entryLevel] < threshold) return;
    const invocation = currentInvocation();
    const trace = currentTrace();
    const timestamp = new Date().toISOString();
    const line: LogFields = {
      level: entryLevel,
      message,
      timestamp,
      service,
      cold_start: invocation?.coldStart,
      function_name: invocation?.functionName,
      function_request_id: invocation?.requestId,
      xray_trace_id: trace && xrayTraceId(trace),
    };
    Object.assign(line, own, fields);
    Object.assign(line, { level: entryLevel, message, timestamp, service });
    write(JSON.stringify(line, errorReplacer));
  };
  return branded({
    debug: emit('DEBUG'),
    info: emit('INFO'),
    warn: emit('WARN'),
    error: emit('ERROR'),
    child: (fields) => createLogger({ ...own, ...fields }, write, { level, service }),
  });
}

const withoutReserved = (fields: LogFields): LogFields => {
  const out = { ...fields };
  for (const key of RESERVED) delete out[key];
  return out;
};

/** Marks courier's own loggers, which `asLogger` passes through unwrapped. */
const COURIER_LOGGER = Symbol('courier.logger');
const branded = (logger: Logger): Logger => Object.assign(logger, { [COURIER_LOGGER]: true });

/**
 * A courier Logger over any logger with `debug/info/warn/error(message, fields)`, e.g. a Powertools
 * Logger: `child` fields are merged into each call's fields, so the user's logger stays the one that
 * formats and writes. A courier Logger is returned as it is.
 * @example
 * import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
 * export const handler = consumer({ events: [OrderCreatedV1], logger: new PowertoolsLogger(), handle });
 */
export function asLogger(log: LogMethods | Logger): Logger {
  if ((log as { [COURIER_LOGGER]?: true })[COURIER_LOGGER]) return log as Logger;
  const over = (fields: LogFields): Logger => {
    const call = (method: keyof LogMethods) => (message: string, extra: LogFields = {}) => log[method](message, { ...fields, ...extra });
    return branded({ debug: call('debug'), info: call('info'), warn: call('warn'), error: call('error'), child: (more) => over({ ...fields, ...more }) });
  };
  return over({});
}

/** Errors serialise to nothing by default; keep what an operator needs. */
function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack, ...(value.cause === undefined ? {} : { cause: value.cause }) } : value;
}
