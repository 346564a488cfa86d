/**
 * The names the runtime, the constructs and the ops CLI agree on: environment variables the constructs
 * set and the runtime reads, table layouts, metric names, DLQ attributes. One home for each, so the
 * three parts cannot drift apart (docs/ARCHITECTURE.md § Shared conventions).
 *
 * @example
 * const table = process.env[ENV.idempotencyTable];
 */

/** Environment variables the constructs set on courier functions. */
export const ENV = {
  consumerName: 'CONSUMER_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE',
  /** How long a consumer's completed markers suppress duplicates, in seconds (its idempotency horizon). */
  idempotencyHorizonSeconds: 'IDEMPOTENCY_HORIZON_SECONDS',
  dlqUrl: 'DLQ_URL',
  eventBusName: 'EVENT_BUS_NAME',
  failedMessageTable: 'FAILED_MESSAGE_TABLE',
  outboxTable: 'OUTBOX_TABLE',
  serviceName: 'SERVICE_NAME',
  sweepAfterSeconds: 'SWEEP_AFTER_SECONDS',
  maxAttempts: 'MAX_ATTEMPTS',
  /** Powertools' service name: the `service` key of every log line and the ColdStart metric's dimension. */
  powertoolsServiceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools' EMF namespace; the dashboard and alarms read the same value (default `courier`). */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /** Log level, first set wins: Lambda's advanced logging controls, Powertools', the plain one. */
  lambdaLogLevel: 'AWS_LAMBDA_LOG_LEVEL',
  powertoolsLogLevel: 'POWERTOOLS_LOG_LEVEL',
  logLevel: 'LOG_LEVEL',
} as const;

/**
 * Idempotency table: partition key `id` = `<consumer>#<key>`, TTL attribute `expires_at`. Markers live
 * for the consumer's horizon: by default 31 days, longer than every way courier can bring an event back
 * (DLQ redrive ≤ 14 days, archive replay 30 days, failed-message retry 30 days), so a redelivered event
 * still finds its marker.
 */
export const IDEMPOTENCY_TABLE = { partitionKey: 'id', ttlAttribute: 'expires_at', defaultHorizonSeconds: 31 * 24 * 3600 } as const;

/** Outbox table: partition key `event_id`, sparse index of unpublished rows by age, TTL on published rows. */
export const OUTBOX_TABLE = { partitionKey: 'event_id', pendingIndex: 'pending-by-age', ttlAttribute: 'expires_at' } as const;

/**
 * Failed-message table: partition key `event_id`, sparse index of retryable rows by next attempt. Rows
 * (parked ones included) expire `retentionSeconds` after the failure: long enough for an operator to
 * look and retry, and a bound consumers' idempotency horizons must cover.
 */
export const FAILED_MESSAGE_TABLE = { partitionKey: 'event_id', dueIndex: 'due-by-time', ttlAttribute: 'expires_at', retentionSeconds: 30 * 24 * 3600 } as const;

/** CloudWatch namespace of every courier EMF metric unless `POWERTOOLS_METRICS_NAMESPACE` says otherwise. */
export const METRICS_NAMESPACE = 'courier';

/**
 * EMF metric names: consumers (dimension `consumer`), publishers (dimension `service`), and every
 * function's `ColdStart` (dimensions `service`, `function_name`, as Powertools Metrics writes it).
 */
export const METRICS = {
  processed: 'processed',
  duplicates: 'duplicates',
  transientFailures: 'transient_failures',
  quarantined: 'quarantined',
  duration: 'duration',
  published: 'published',
  publishFailed: 'publish_failed',
  parked: 'parked',
  coldStart: 'ColdStart',
} as const;

/** Message attributes a quarantined record carries in its DLQ: why it is there. */
export const DLQ_ATTRIBUTES = {
  errorClass: 'courier.error_class',
  errorMessage: 'courier.error_message',
  consumer: 'courier.consumer',
  firstFailedAt: 'courier.first_failed_at',
  detailType: 'courier.detail_type',
  eventId: 'courier.event_id',
  sourceMessageId: 'courier.source_message_id',
} as const;
