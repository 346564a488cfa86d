/** What every part shares: SDK clients, clocks and backoff, logs, metrics, tracing, environment. */
export { CLIENT_TIMEOUTS, dynamoClient, eventBridgeClient, sqsClient } from './aws-clients.js';
export { backoffDelay, systemClock, type BackoffPolicy, type Clock } from './backoff.js';
export { asLogger, createLogger, LOG_LEVELS, logLevelFromEnv, type LogFields, type Logger, type LoggerOptions, type LogLevel, type LogMethods } from './log.js';
export { EMF_LIMITS, Metrics, metricsNamespace, type Unit } from './metrics.js';
export { currentInvocation, serviceName, startInvocation, withInvocation, type Invocation, type LambdaContextLike } from './invocation.js';
export { currentTrace, invocationTraceHeader, withTrace } from './trace-scope.js';
export { positiveIntEnv, requiredEnv } from './env.js';
export { mapLimit } from './map-limit.js';
export { readConsistent } from './dynamo-reads.js';
