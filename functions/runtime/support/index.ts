/** What every part shares: SDK clients, clocks and backoff, logs, metrics, tracing, environment. */
export { dynamoClient, eventBridgeClient, sqsClient } from './aws-clients.js';
export { systemClock, type BackoffPolicy, type Clock } from './backoff.js';
export { asLogger, createLogger, logLevelFromEnv, type LogFields, type Logger, type LoggerOptions, type LogLevel, type LogMethods } from './log.js';
export { Metrics, metricsNamespace, type Unit } from './metrics.js';
export { serviceName, startInvocation, withInvocation, type Invocation, type LambdaContextLike } from './invocation.js';
export { currentTrace, withTrace } from './trace-scope.js';
export { positiveIntEnv, requiredEnv } from './env.js';
export { readConsistent } from './dynamo-reads.js';
