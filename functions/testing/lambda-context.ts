import type { Context } from 'aws-lambda';

/** What `fakeLambdaContext` answers: the remaining time (fixed or moving) and the ids log lines carry. */
export interface FakeContextOptions {
  /** What `getRemainingTimeInMillis()` answers: a fixed number, or a function for a clock the test moves. @default 60000 */
  remainingMs?: number | (() => number);
  /** @default 'test-request' */
  awsRequestId?: string;
  /** @default 'test-function' */
  functionName?: string;
}

/**
 * A Lambda context for calling a handler in a test, with the remaining time under the test's control.
 *
 * @example
 * let remaining = 10_000;
 * await handler(event, fakeLambdaContext({ remainingMs: () => remaining }));
 */
export function fakeLambdaContext(options: FakeContextOptions = {}): Context {
  const remaining = options.remainingMs ?? 60_000;
  const functionName = options.functionName ?? 'test-function';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: options.awsRequestId ?? 'test-request',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test-stream',
    getRemainingTimeInMillis: typeof remaining === 'function' ? remaining : () => remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
