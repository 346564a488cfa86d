import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { ConsumableEvent } from '../../contracts/index.js';
import type { Logger, LogMethods } from '../support/log.js';
import type { BusinessConditionFailed } from './errors.js';
import type { DetailTypeOf, EventOf, EventOfType } from './events.js';
import type { ConsumerMiddleware } from './middleware.js';
import type { RetryBackoff } from './retry-delay.js';

/** What a handler gets beside its event. */
export interface HandlerContext {
  /** Fires at the record's deadline; pass it to every SDK call and fetch. */
  signal: AbortSignal;
  /** Carries consumer, message_id, correlation_id, event_id, detail_type and the record's xray_trace_id. */
  log: Logger;
  messageId: string;
  /** 1 on the first delivery. */
  receiveCount: number;
}

/**
 * Nothing, or (exactly-once mode) DynamoDB writes the runtime commits in one transaction with the
 * idempotency marker instead of the handler performing them.
 */
export type HandlerResult = void | { writes: TransactWriteItem[] };

/** Handles one record. */
export type Handler<Ev> = (event: Ev, context: HandlerContext) => Promise<HandlerResult>;

/** One handler per declared detail-type, each receiving its own event type. */
export type HandlerMap<E extends readonly ConsumableEvent[]> = { [K in DetailTypeOf<E>]: Handler<EventOfType<E, K>> };

/**
 * How a consumer keeps a record from taking effect twice.
 * - `claim`: claim the key before running (one batched request), complete it after (in the writes'
 *   transaction, or one batched flush). A duplicate never runs while another delivery holds it, so any
 *   handler is safe, side effects outside DynamoDB included (publishing, HTTP calls, e-mail).
 * - `optimistic`: claim nothing; run the handler, then commit its returned writes together with the
 *   completed marker, conditional on no live marker, in one TransactWriteItems (a plain conditional
 *   PutItem when there are no writes). A duplicate's commit is cancelled on the marker and acknowledged;
 *   only its handler's reads were spent. Saves the claim round trip and the completion flush per batch;
 *   likely duplicates (redeliveries: receive count > 1, or replayed events) are looked up first with one
 *   BatchGetItem so they do not run. Only for handlers whose effects are exactly the writes they return:
 *   a side effect outside them would happen once per concurrent copy.
 */
export type IdempotencyMode = 'claim' | 'optimistic';

export interface IdempotencyOptions<E extends readonly ConsumableEvent[]> {
  /**
   * Claim before running, or commit the marker with the handler's writes (see IdempotencyMode).
   * @default 'claim'
   */
  mode?: IdempotencyMode;
  /**
   * The idempotency table.
   * @default - the `IDEMPOTENCY_TABLE` environment variable (set by the Consumer construct)
   */
  table?: string;
  /**
   * The key of one event; the stored id is `<consumer>#<key>`. It must return a non-empty string; a key
   * function that throws or returns anything else quarantines that record with the reason.
   * @default - `detail.event_id` for courier events, the foreign event's own `key`
   */
  key?: (event: EventOf<E>) => string;
  /**
   * How long a completed marker suppresses duplicates, in seconds: the consumer's idempotency horizon.
   * It must outlast every way an event can come back — DLQ redrive (14 days), archive replay (30 days),
   * failed-message retry (30 days) — or a redelivered event runs again. The Consumer construct sets it
   * from its `idempotencyHorizon` prop (validated against those windows) and publishes it to the CLI,
   * which refuses to re-send older events without `--force`.
   * @default - `IDEMPOTENCY_HORIZON_SECONDS`, else 2678400 (31 days)
   */
  ttlSeconds?: number;
}

export interface ConsumerOptions<E extends readonly ConsumableEvent[]> {
  /**
   * Used in idempotency ids, logs, metrics and DLQ attributes.
   * @default - the `CONSUMER_NAME` environment variable
   */
  name?: string;
  /**
   * The events this consumer declares (courier events and foreign ones); at least one, each detail-type
   * once. Anything else is quarantined (UnknownDetailType / UnexpectedDetailType).
   */
  events: E;
  /**
   * Idempotency: claim each record's key before running it, complete it after. `false` turns it off.
   * @default - on, table from `IDEMPOTENCY_TABLE`
   */
  idempotency?: IdempotencyOptions<E> | false;
  /** The handler: one function for every event (narrow on `event.detailType`), or one per detail-type. */
  handle: Handler<EventOf<E>> | HandlerMap<E>;
  /**
   * Exactly-once mode: a condition on one of the returned writes failed and nothing was applied. Return
   * to acknowledge (the record is marked completed), throw to classify as usual. Runs inside the record's
   * own deadline. Without it the record is quarantined with error class BusinessConditionFailed.
   * @default - quarantine
   */
  onConditionFailed?: (error: BusinessConditionFailed, event: EventOf<E>, context: HandlerContext) => Promise<void>;
  /**
   * Budget of one record: handler, commit and onConditionFailed together (ms).
   * @default 10000
   */
  perRecordTimeoutMs?: number;
  /**
   * Time kept back at the end of the invocation for the final idempotency flush and the response (ms).
   * @default 2000
   */
  safetyMarginMs?: number;
  /**
   * Records in flight at once (on FIFO queues: message groups in flight).
   * @default 10 on standard queues, 1 on FIFO queues
   */
  concurrency?: number;
  /**
   * The queue's DLQ, where permanent failures go at once.
   * @default - the `DLQ_URL` environment variable
   */
  dlqUrl?: string;
  /**
   * Standard queues: records with the same key run one after another within a batch, in arrival order
   * (e.g. the order id, so replies about one order never race for its version). `undefined` = no
   * constraint; a function that throws or returns a non-string quarantines that record.
   * @default - no ordering
   */
  orderingKey?: (event: EventOf<E>) => string | undefined;
  /**
   * Delay of retried records (standard queues; not for records another invocation holds); `false` =
   * the queue's visibility timeout.
   * @default { baseSeconds: 5, maxSeconds: 900 }
   */
  retryBackoff?: RetryBackoff | false;
  /**
   * The logger of the runtime's lines and of every handler's `log`: any logger with
   * debug/info/warn/error(message, fields), e.g. a Powertools Logger; courier adds its record fields
   * to each call.
   * @default - courier's JSON logger (Powertools' keys, level from the environment)
   */
  logger?: LogMethods;
  /**
   * Middleware around every record of this consumer (run before the process-wide ones registered with
   * `useConsumerMiddleware`).
   * @default - none
   */
  middleware?: readonly ConsumerMiddleware[];
}
