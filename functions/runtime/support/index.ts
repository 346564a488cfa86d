/** What every part shares: SDK clients, clocks and backoff, logs, metrics, environment. */
export { CLIENT_TIMEOUTS, dynamoClient, eventBridgeClient, sqsClient } from './aws-clients.js';
export { backoffDelay, systemClock, type BackoffPolicy, type Clock } from './backoff.js';
export { createLogger, type LogFields, type Logger } from './log.js';
export { Metrics, type Unit } from './metrics.js';
export { positiveIntEnv, requiredEnv } from './env.js';
export { mapLimit } from './map-limit.js';
export { readConsistent } from './dynamo-reads.js';
