import { ENV, METRICS } from '../../contracts/conventions.js';
import { Metrics } from './metrics.js';

/** What courier reads of the Lambda context (a subset, so tests and other callers can pass less). */
export interface LambdaContextLike {
  awsRequestId?: string;
  functionName?: string;
}

/** The current invocation as log lines show it (Powertools Logger's keys). */
export interface Invocation {
  coldStart: boolean;
  requestId?: string;
  functionName?: string;
}

// Provisioned concurrency and SnapStart initialise ahead of the request: no invocation of theirs is a
// cold start in the sense users query for (Powertools counts the same way).
let coldStartPending = !['provisioned-concurrency', 'snap-start'].includes(process.env.AWS_LAMBDA_INITIALIZATION_TYPE ?? '');
let current: Invocation | undefined;

/**
 * Marks the start of an invocation: its request id and function for every log line, whether it is this
 * environment's first (`cold_start`), and on a cold start one `ColdStart` metric (dimensions `service`,
 * `function_name`, as Powertools Metrics writes it). Lambda runs one invocation at a time per
 * environment, so one current invocation is enough.
 * @example
 * export const handler = async (event: unknown, context: Context) => {
 *   startInvocation(context);
 *   …
 * };
 */
export function startInvocation(context: LambdaContextLike = {}, write?: (line: string) => void): Invocation {
  const coldStart = coldStartPending;
  coldStartPending = false;
  current = {
    coldStart,
    requestId: context.awsRequestId,
    functionName: context.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME,
  };
  if (coldStart) {
    const metrics = new Metrics({ service: serviceName(), function_name: current.functionName ?? 'unknown' }, write);
    metrics.add(METRICS.coldStart, 'Count');
    metrics.flush();
  }
  return current;
}

/** The invocation started last, if any (lines written at module load have none). */
export const currentInvocation = (): Invocation | undefined => current;

/**
 * A Lambda handler that marks each invocation's start (see `startInvocation`) before running.
 * @example
 * export const handler = withInvocation(async (event: ScheduledEvent) => sweep());
 */
export function withInvocation<A extends [event?: any, context?: LambdaContextLike, ...rest: any[]], R>(handler: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    startInvocation(args[1] ?? {});
    return handler(...args);
  };
}

/**
 * The service a function belongs to: `POWERTOOLS_SERVICE_NAME`, else courier's `SERVICE_NAME`, else
 * Powertools' `service_undefined`.
 * @example
 * const service = serviceName(); // 'orders'
 */
export function serviceName(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENV.powertoolsServiceName] || env[ENV.serviceName] || 'service_undefined';
}

