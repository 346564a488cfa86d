/** Consuming: the SQS batch handler for EventBridge events, its errors and its exactly-once commit. */
export { consumer, type ConsumerOptions, type HandlerContext, type HandlerResult, type IdempotencyOptions, type LambdaContext } from './consumer.js';
export type { ConsumedEvent, EventOf } from './envelope.js';
export {
  BusinessConditionFailed,
  DeadlineExceeded,
  isPermanent,
  MalformedJson,
  NotAnEventBridgeEvent,
  PermanentError,
  UnexpectedDetailType,
  UnknownDetailType,
} from './errors.js';
export { DLQ_ATTRIBUTES } from './dlq.js';
export { MAX_WRITES } from './exactly-once.js';
export { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './retry-delay.js';
