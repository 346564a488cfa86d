import { ContractViolation } from '../../contracts/index.js';

/**
 * A failure that no retry can fix. The runtime sends the record to the DLQ at once (with `name` as the
 * `courier.error_class` attribute) instead of burning `maxReceiveCount` deliveries on it.
 * Handlers throw it (or a subclass with its own `name`) for input they can never process.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** The SQS body is not JSON. */
export class MalformedJson extends PermanentError {
  override name = 'MalformedJson';
}

/** The body is JSON but not an EventBridge event (no detail-type, source, detail…). */
export class NotAnEventBridgeEvent extends PermanentError {
  override name = 'NotAnEventBridgeEvent';
}

/** A detail-type the consumer does not know: another version or action of an entity it consumes, or no valid name. */
export class UnknownDetailType extends PermanentError {
  override name = 'UnknownDetailType';
}

/** A well-formed event of an entity this consumer does not consume at all: a routing mistake, not something to retry. */
export class UnexpectedDetailType extends PermanentError {
  override name = 'UnexpectedDetailType';
}

/** The consumer's idempotency key function threw or returned no usable key for this record. */
export class InvalidIdempotencyKey extends PermanentError {
  override name = 'InvalidIdempotencyKey';
}

/** The consumer's ordering key function threw or returned no usable key for this record. */
export class InvalidOrderingKey extends PermanentError {
  override name = 'InvalidOrderingKey';
}

/**
 * In exactly-once mode, a condition on one of the handler's own writes failed (the transaction was
 * cancelled, nothing was applied). `index` is the write's position in the handler's `writes`.
 */
export class BusinessConditionFailed extends PermanentError {
  override name = 'BusinessConditionFailed';
  constructor(
    readonly index: number,
    /** The item as it was, when the write asked for `ReturnValuesOnConditionCheckFailure: ALL_OLD`. */
    readonly item: Record<string, unknown> | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The record's deadline passed before its handler finished. Transient: the retry gets a fresh budget. */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/** Permanent failures: quarantined at once. Everything else is retried. */
export const isPermanent = (error: unknown): error is PermanentError | ContractViolation =>
  error instanceof PermanentError || error instanceof ContractViolation;
