import type { ConsumableEvent } from '../../contracts/index.js';
import { ENV, IDEMPOTENCY_TABLE } from '../../contracts/conventions.js';
import { dynamoClient } from '../support/aws-clients.js';
import { asLogger, createLogger, type Logger } from '../support/log.js';
import { Metrics } from '../support/metrics.js';
import { type BusinessConditionFailed, InvalidIdempotencyKey, InvalidOrderingKey } from './errors.js';
import { declaredEvents, type AnyConsumedEvent } from './events.js';
import { IdempotencyStore } from './idempotency.js';
import type { ConsumerMiddleware, RecordHandler } from './middleware.js';
import type { ConsumerOptions, HandlerContext, Handler, IdempotencyMode } from './options.js';
import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './retry-delay.js';

export const CONSUMER_DEFAULTS = { perRecordTimeoutMs: 10_000, safetyMarginMs: 2_000, ttlSeconds: IDEMPOTENCY_TABLE.defaultHorizonSeconds, concurrency: 10, fifoConcurrency: 1 };

/** DynamoDB allows 2,048 bytes of partition key; the id is `<consumer>#<key>`. */
const MAX_ID_BYTES = 2_048;

/** A consumer's options, checked and resolved once, at construction. */
export interface ConsumerConfig {
  name: string;
  dlqUrl: string;
  declared: ReadonlyMap<string, ConsumableEvent>;
  /** undefined when idempotency is off. */
  store?: IdempotencyStore;
  mode: IdempotencyMode;
  /** The idempotency id of an event; throws InvalidIdempotencyKey. */
  idOf(event: AnyConsumedEvent): string;
  /** The ordering group of an event (undefined: none); throws InvalidOrderingKey. */
  groupOf(event: AnyConsumedEvent): string | undefined;
  handle: RecordHandler;
  onConditionFailed?: (error: BusinessConditionFailed, event: AnyConsumedEvent, context: HandlerContext) => Promise<void>;
  perRecordMs: number;
  marginMs: number;
  concurrency?: number;
  retryBackoff: RetryBackoff | false;
  middleware: readonly ConsumerMiddleware[];
  log: Logger;
  metrics: Metrics;
}

/**
 * Checks the options and fills the defaults from the environment the Consumer construct sets
 * (`CONSUMER_NAME`, `DLQ_URL`, `IDEMPOTENCY_TABLE`, `IDEMPOTENCY_HORIZON_SECONDS`). Every mistake is an Error naming it, thrown at
 * module load, so a broken consumer fails its cold start instead of a record.
 */
export function resolveConfig(options: ConsumerOptions<readonly ConsumableEvent[]>, env: NodeJS.ProcessEnv = process.env): ConsumerConfig {
  const name = options.name ?? env[ENV.consumerName];
  if (!name) throw new Error('consumer name missing: set `name` or CONSUMER_NAME');
  const who = `consumer ${name}`;
  const dlqUrl = options.dlqUrl ?? env[ENV.dlqUrl];
  if (!dlqUrl) throw new Error(`${who}: DLQ URL missing: set \`dlqUrl\` or DLQ_URL`);
  const declared = declaredEvents(options.events, who);
  const idempotency = options.idempotency === false ? undefined : (options.idempotency ?? {});
  const table = idempotency && (idempotency.table ?? env[ENV.idempotencyTable]);
  if (idempotency && !table) throw new Error(`${who}: idempotency table missing: set IDEMPOTENCY_TABLE, \`idempotency.table\`, or \`idempotency: false\``);
  const customKey = idempotency?.key as ((event: AnyConsumedEvent) => string) | undefined;
  if (idempotency && !customKey) {
    const keyless = [...declared.values()].filter((e) => e.kind === 'foreign' && !e.key).map((e) => e.detailType);
    if (keyless.length > 0) {
      throw new Error(`${who}: foreign event ${keyless.join(', ')} has no idempotency key: give it \`key\` in foreignEvent() or pass \`idempotency.key\``);
    }
  }
  const mode = idempotency?.mode ?? 'claim';
  if (mode !== 'claim' && mode !== 'optimistic') throw new Error(`${who}: idempotency.mode must be 'claim' or 'optimistic', got ${JSON.stringify(mode)}`);
  const perRecordMs = positive(options.perRecordTimeoutMs, CONSUMER_DEFAULTS.perRecordTimeoutMs, 'perRecordTimeoutMs', who);
  return {
    name,
    dlqUrl,
    declared,
    store: idempotency ? new IdempotencyStore(table!, horizonSeconds(idempotency.ttlSeconds, env, who), dynamoClient()) : undefined,
    mode,
    idOf: (event) => idempotencyId(name, event, customKey ?? defaultKey(declared.get(event.detailType)!)),
    groupOf: (event) => orderingGroup(event, options.orderingKey as ((event: AnyConsumedEvent) => string | undefined) | undefined),
    handle: dispatcher(options.handle as Handler<AnyConsumedEvent> | Record<string, Handler<AnyConsumedEvent>>, declared, who),
    onConditionFailed: options.onConditionFailed as ConsumerConfig['onConditionFailed'],
    perRecordMs,
    marginMs: positive(options.safetyMarginMs, CONSUMER_DEFAULTS.safetyMarginMs, 'safetyMarginMs', who, 0),
    concurrency: options.concurrency === undefined ? undefined : positive(options.concurrency, 1, 'concurrency', who),
    retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
    middleware: options.middleware ?? [],
    log: asLogger(options.logger ?? createLogger()).child({ consumer: name }),
    metrics: new Metrics({ consumer: name }),
  };
}

/** The marker lifetime: the option, else the horizon the construct published, else the default. */
function horizonSeconds(option: number | undefined, env: NodeJS.ProcessEnv, who: string): number {
  if (option !== undefined) return positive(option, CONSUMER_DEFAULTS.ttlSeconds, 'idempotency.ttlSeconds', who);
  const published = env[ENV.idempotencyHorizonSeconds];
  return published === undefined ? CONSUMER_DEFAULTS.ttlSeconds : positive(Number(published), CONSUMER_DEFAULTS.ttlSeconds, ENV.idempotencyHorizonSeconds, who);
}

function positive(value: number | undefined, fallback: number, option: string, who: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) throw new Error(`${who}: ${option} must be a number ≥ ${min}, got ${String(value)}`);
  return value;
}

/** `detail.event_id` for courier events (producer-assigned, kept across re-sends), the foreign event's own key otherwise. */
function defaultKey(definition: ConsumableEvent): (event: AnyConsumedEvent) => string {
  if (definition.kind === 'foreign') return definition.key as (event: AnyConsumedEvent) => string;
  return (event) => (event.detail as { event_id: string }).event_id;
}

function idempotencyId(name: string, event: AnyConsumedEvent, key: (event: AnyConsumedEvent) => string): string {
  let value: unknown;
  try {
    value = key(event);
  } catch (error) {
    throw new InvalidIdempotencyKey(`idempotency key function threw: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidIdempotencyKey(`idempotency key must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}`);
  }
  const id = `${name}#${value}`;
  if (Buffer.byteLength(id) > MAX_ID_BYTES) throw new InvalidIdempotencyKey(`idempotency id is ${Buffer.byteLength(id)} bytes; DynamoDB allows ${MAX_ID_BYTES}`);
  return id;
}

function orderingGroup(event: AnyConsumedEvent, orderingKey: ((event: AnyConsumedEvent) => string | undefined) | undefined): string | undefined {
  if (!orderingKey) return undefined;
  let value: unknown;
  try {
    value = orderingKey(event);
  } catch (error) {
    throw new InvalidOrderingKey(`ordering key function threw: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw new InvalidOrderingKey(`ordering key must be a non-empty string or undefined, got ${JSON.stringify(value)}`);
  return value;
}

/** One function for every event, or one per detail-type: every declared detail-type needs exactly one. */
function dispatcher(handle: Handler<AnyConsumedEvent> | Record<string, Handler<AnyConsumedEvent>> | undefined, declared: ReadonlyMap<string, ConsumableEvent>, who: string): RecordHandler {
  if (typeof handle === 'function') return handle;
  if (!handle || typeof handle !== 'object') throw new Error(`${who}: handle must be a function or one function per detail-type`);
  const missing = [...declared.keys()].filter((t) => typeof handle[t] !== 'function');
  const extra = Object.keys(handle).filter((t) => !declared.has(t));
  if (missing.length > 0) throw new Error(`${who}: no handler for ${missing.join(', ')}`);
  if (extra.length > 0) throw new Error(`${who}: handler for undeclared ${extra.join(', ')}`);
  return (event, context) => handle[event.detailType]!(event, context);
}
