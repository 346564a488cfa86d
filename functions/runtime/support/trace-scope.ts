import { AsyncLocalStorage } from 'node:async_hooks';
import { parseXRayTraceHeader, type TraceContext } from '../../contracts/trace-context.js';

/**
 * The trace the current work belongs to. Inside a consumer's record it is the trace that produced the
 * record (set by the record-trace middleware), so the events a handler publishes continue the order's
 * trace instead of starting from the consumer invocation's own; anywhere else it is the invocation's,
 * from Lambda's trace header. Records of one batch run concurrently, hence an AsyncLocalStorage and not
 * a variable.
 */
const scope = new AsyncLocalStorage<TraceContext>();

/** Lambda's per-invocation runtime store (Node.js runtimes that run invocations concurrently). */
type InvokeStoreGlobal = { awslambda?: { InvokeStore?: { getXRayTraceId?: () => string | undefined } } };

let lastHeader: string | undefined;
let lastParsed: TraceContext | undefined;

/**
 * The invocation's X-Ray trace header as Lambda hands it over with active tracing: the runtime's
 * invoke store when it has one, else `_X_AMZN_TRACE_ID` (set per invocation), as Powertools and the
 * AWS SDK read it.
 */
export function invocationTraceHeader(): string | undefined {
  return (globalThis as InvokeStoreGlobal).awslambda?.InvokeStore?.getXRayTraceId?.() ?? process.env._X_AMZN_TRACE_ID;
}

/**
 * The trace of the current work: the scoped one, else the invocation's; undefined without tracing.
 * @example
 * const trace = currentTrace();
 * if (trace) log.info('calling partner', { xray_trace_id: xrayTraceId(trace) });
 */
export function currentTrace(): TraceContext | undefined {
  const scoped = scope.getStore();
  if (scoped) return scoped;
  const header = invocationTraceHeader();
  if (header !== lastHeader) {
    lastHeader = header;
    lastParsed = parseXRayTraceHeader(header);
  }
  return lastParsed;
}

/**
 * Runs `work` as part of `trace` (everything it awaits included); without a trace, as it is.
 * @example
 * await withTrace(parseTraceparent(event.detail.traceparent), () => handle(event));
 */
export function withTrace<T>(trace: TraceContext | undefined, work: () => T): T {
  return trace ? scope.run(trace, work) : work();
}
