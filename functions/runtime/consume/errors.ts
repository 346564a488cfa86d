import { ContractViolation } from '../../contracts/index.js';

/**
 * A failure that no retry can fix. The runtime sends the record to the DLQ at once (with `name` as the
 * `courier.error_class` attribute) instead of burning `maxReceiveCount` deliveries on it.
 * Handlers throw it (or a subclass with its own `name`) for input they can never process.
 *
 * @example
 * const order = await readOrder(event.detail.order_id);
 * if (!order) throw new PermanentError(`order ${event.detail.order_id} does not exist`);
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * The SQS body is not JSON: thrown by the runtime, quarantined with this name as the DLQ's
 * `courier.error_class`. Handlers never see such a record.
 *
 * @example
 * if (attributes[DLQ_ATTRIBUTES.errorClass]?.StringValue === MalformedJson.name) console.log('not JSON:', message.Body);
 */
export class MalformedJson extends PermanentError {
  override name = 'MalformedJson';
}

/**
 * The body is JSON but not an EventBridge event (no detail-type, source, detail…): usually a message sent
 * to the queue by hand. Thrown by the runtime; the record is quarantined.
 *
 * @example
 * const raw = attributes[DLQ_ATTRIBUTES.errorClass]?.StringValue === NotAnEventBridgeEvent.name; // sent to the queue directly
 */
export class NotAnEventBridgeEvent extends PermanentError {
  override name = 'NotAnEventBridgeEvent';
}

/**
 * A detail-type the consumer does not know: another version or action of an entity it consumes, or no
 * valid name. Thrown by the runtime; in the DLQ it usually means a new event version reached a consumer
 * that has not declared it yet.
 *
 * @example
 * if (errorClass === UnknownDetailType.name) console.log('declare the new version in the consumer, then redrive');
 */
export class UnknownDetailType extends PermanentError {
  override name = 'UnknownDetailType';
}

/**
 * A well-formed event of an entity this consumer does not consume at all: a routing mistake (the rule
 * matches more than the consumer declares), not something to retry. Thrown by the runtime.
 *
 * @example
 * if (errorClass === UnexpectedDetailType.name) console.log('the rule routes events this consumer does not declare');
 */
export class UnexpectedDetailType extends PermanentError {
  override name = 'UnexpectedDetailType';
}

/**
 * The consumer's idempotency key function threw or returned no usable key for this record. Thrown by the
 * runtime; the record is quarantined, since no retry changes the key.
 *
 * @example
 * // idempotency: { key: (event) => event.detail.order_id } on an event without order_id quarantines it as InvalidIdempotencyKey
 * if (errorClass === InvalidIdempotencyKey.name) console.log('fix the consumer key function, then redrive');
 */
export class InvalidIdempotencyKey extends PermanentError {
  override name = 'InvalidIdempotencyKey';
}

/**
 * The consumer's ordering key function threw or returned no usable key for this record. Thrown by the
 * runtime; the record is quarantined.
 *
 * @example
 * if (errorClass === InvalidOrderingKey.name) console.log('fix the consumer orderingKey, then redrive');
 */
export class InvalidOrderingKey extends PermanentError {
  override name = 'InvalidOrderingKey';
}

/**
 * In exactly-once mode, a condition on one of the handler's own writes failed (the transaction was
 * cancelled, nothing was applied). `index` is the write's position in the handler's `writes`. It reaches
 * `onConditionFailed`, which acknowledges the record or throws to quarantine it.
 *
 * @example
 * export const handler = consumer({
 *   events: [OrderCreatedV1],
 *   idempotency: { mode: 'optimistic' },
 *   handle: async ({ detail }) => ({ writes: award(detail) }),
 *   onConditionFailed: async (error: BusinessConditionFailed, _event, { log }) => log.info('already awarded', { held: error.item }),
 * });
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

/**
 * The record's deadline passed before its handler finished. Transient: the retry gets a fresh budget.
 * Recorded by the runtime when the record's `signal` fires; the handler's own abort error is not what counts.
 *
 * @example
 * // past the deadline this rejects, and the record is retried as DeadlineExceeded
 * await dynamo.send(new PutItemCommand(item), { abortSignal: context.signal });
 */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * Whether the runtime treats an error as permanent (quarantined at once: a PermanentError or a
 * ContractViolation); everything else is retried. For middleware and wrappers that classify the same way.
 *
 * @example
 * const outcome = isPermanent(error) ? 'quarantine' : 'retry';
 */
export const isPermanent = (error: unknown): error is PermanentError | ContractViolation =>
  error instanceof PermanentError || error instanceof ContractViolation;
