/** Consuming: the SQS batch handler for EventBridge events, its errors, middleware and exactly-once commit. */
export { consumer, type LambdaContext } from './consumer.js';
export type { ConsumerOptions, Handler, HandlerContext, HandlerMap, HandlerResult, IdempotencyMode, IdempotencyOptions } from './options.js';
export type { AnyConsumedEvent, ConsumedEventOf, DetailOfEvent, DetailTypeOf, EventOf, EventOfType } from './events.js';
export { useConsumerMiddleware, type ConsumerMiddleware, type Outcome, type RecordHandler } from './middleware.js';
export {
  BusinessConditionFailed,
  DeadlineExceeded,
  InvalidIdempotencyKey,
  InvalidOrderingKey,
  isPermanent,
  MalformedJson,
  NotAnEventBridgeEvent,
  PermanentError,
  UnexpectedDetailType,
  UnknownDetailType,
} from './errors.js';
export { MAX_WRITES } from './exactly-once.js';
export { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from './retry-delay.js';
