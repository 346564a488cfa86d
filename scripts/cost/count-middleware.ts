import { appendFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Client } from '@smithy/core/client';
import type { ConsumerMiddleware } from 'courier/runtime';
import { dynamoFacts, putEventsFacts, sqsFacts, type BatchFact, type RequestFact } from './request-facts';

/**
 * Request counting for the counted-cost run (bench/counted-cost.ts), in the deployed functions of the
 * local engine only (scripts/chaos/instrumentation.ts injects install-counting.ts into every bundle).
 * Inert until COURIER_COUNT_REQUESTS is set (read per request; the run sets it on every function with
 * UpdateFunctionConfiguration and reads it back). Then every AWS SDK request attempt — of every client
 * in the bundle, the runtime's shared ones and any a handler creates — writes one line of facts
 * (request-facts.ts), and every consumer batch one line with its size.
 *
 * Where the lines go: when the value is an absolute directory, appended (synchronously) to
 * `<dir>/<function>.<pid>.jsonl` — the functions run as processes on this machine, and the engine's log
 * capture is not exact: it hands each invocation the lines that arrive until 5 ms pass without one, and a
 * line later than that waits for that worker's next invocation, or is lost with an idle worker (measured:
 * the last record's lines of 1 batch in 6). Any other value: stdout, one log line each.
 */
export const COUNT_ENV = 'COURIER_COUNT_REQUESTS';

/** The marker of every count line (and the filter pattern for reading them from a log group). */
export const COUNT_MARKER = 'courier_cost';

const counting = (): boolean => Boolean(process.env[COUNT_ENV]);

/** DynamoDB operations that take ReturnConsumedCapacity: the engine's own figure is logged beside ours. */
const CAPACITY_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'GetItem', 'BatchGetItem', 'Query', 'Scan', 'BatchWriteItem', 'TransactWriteItems', 'BatchExecuteStatement']);

type Write = (line: string) => void;

/** The file of this process in the run's directory, or stdout (see above). */
const runSink: Write = (line) => {
  const dir = process.env[COUNT_ENV] ?? '';
  if (isAbsolute(dir)) appendFileSync(join(dir, `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'process'}.${process.pid}.jsonl`), `${line}\n`);
  else process.stdout.write(`${line}\n`);
};

/** The facts of one attempt, by service. */
export function factOf(service: string, op: string, input: Record<string, any>, output: Record<string, any> | undefined, error?: unknown): RequestFact {
  const base: RequestFact = { courier_cost: 1, svc: service, op, ...(error ? { err: (error as { name?: string }).name ?? 'Error' } : {}) };
  if (service === 'DynamoDB') return { ...base, ...dynamoFacts(op, input, output, error) };
  if (service === 'SQS') return { ...base, ...sqsFacts(op, input) };
  if (service === 'EventBridge' && op === 'PutEvents') return { ...base, ...putEventsFacts(input, output) };
  return base;
}

/** Clients that count already (explicitly, or by their first send). */
const instrumented = new WeakSet<object>();

interface MiddlewareStackLike {
  add(middleware: (next: any, context: any) => (args: any) => Promise<any>, options: Record<string, unknown>): void;
}

/**
 * Adds the counting middleware to one client: at `initialize`, ask DynamoDB for its ConsumedCapacity
 * (and hide it again from a caller that did not ask); at `deserialize`, above the deserializer and below
 * the retry step, so each attempt is one line with its parsed output or error.
 */
export function countRequests(client: { middlewareStack: MiddlewareStackLike; config?: { serviceId?: string } }, write: Write = runSink): void {
  instrumented.add(client);
  const service = client.config?.serviceId ?? 'unknown';
  const op = (context: { commandName?: string }) => (context.commandName ?? 'Unknown').replace(/Command$/, '');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!counting() || service !== 'DynamoDB' || !CAPACITY_OPERATIONS.has(op(context)) || args.input.ReturnConsumedCapacity) return next(args);
      const result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } });
      if (result.output) delete result.output.ConsumedCapacity;
      return result;
    },
    { step: 'initialize', name: 'courierCountConsumedCapacity', override: true },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!counting()) return next(args);
      try {
        const result = await next(args);
        write(JSON.stringify(factOf(service, op(context), args.input, result.output)));
        return result;
      } catch (error) {
        write(JSON.stringify(factOf(service, op(context), args.input, undefined, error)));
        throw error;
      }
    },
    { step: 'deserialize', name: 'courierCountRequests', priority: 'high', override: true },
  );
}

/**
 * Counts the requests of every SDK client in this bundle: `send` of the Smithy client class every AWS
 * SDK client extends adds the middleware to a client the first time it sends.
 */
export function countEveryClient(write: Write = runSink): void {
  const prototype = Client.prototype as unknown as { send: (...args: unknown[]) => unknown; __courierCounting?: true };
  if (prototype.__courierCounting) return;
  const send = prototype.send;
  prototype.send = function (this: Parameters<typeof countRequests>[0], ...args: unknown[]) {
    if (!instrumented.has(this)) countRequests(this, write);
    return send.apply(this, args);
  };
  prototype.__courierCounting = true;
}

/** Consumer middleware: one line per batch with its size and the records received for the first time (SQS deliveries by EventBridge). */
export function batchCounting(write: Write = runSink): ConsumerMiddleware {
  return {
    name: 'courier-cost-count',
    beforeBatch: (records) => {
      if (!counting()) return;
      const fact: BatchFact = { courier_cost: 1, batch: records.length, first: records.filter((r) => r.attributes?.ApproximateReceiveCount === '1').length };
      write(JSON.stringify(fact));
    },
  };
}
