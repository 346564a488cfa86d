/**
 * Trace context as it travels with an event: the W3C `traceparent` in the event's metadata, and the
 * X-Ray trace header AWS services pass along (`X-Amzn-Trace-Id`, PutEvents `TraceHeader`, SQS
 * `AWSTraceHeader`, Lambda's `_X_AMZN_TRACE_ID`). One trace id, two spellings: an X-Ray id
 * `1-5759e988-bd862e3fe1be46a994272793` is the W3C id `5759e988bd862e3fe1be46a994272793`
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-traceids),
 * so the two convert both ways without losing anything.
 */

/** One position in a trace: the trace, the span (X-Ray: segment) that caused what follows, and the sampling decision. */
export interface TraceContext {
  /** 32 lower-case hex digits (W3C spelling). */
  traceId: string;
  /** 16 lower-case hex digits: the span or segment that produced the event. */
  parentId: string;
  sampled: boolean;
}

/** W3C Trace Context `traceparent`, version 00: `00-<trace-id>-<parent-id>-<flags>`. */
export const TRACEPARENT_PATTERN = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const ALL_ZEROS = /^0+$/;
const X_RAY_ROOT = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/;
const HEX16 = /^[0-9a-f]{16}$/;

/**
 * Reads a `traceparent`; undefined when absent or malformed (a bad trace header never fails the work it rides on).
 * @example
 * parseTraceparent('00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01');
 * // { traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true }
 */
export function parseTraceparent(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT_PATTERN.exec(value);
  if (!match || ALL_ZEROS.test(match[1]!) || ALL_ZEROS.test(match[2]!)) return undefined;
  return { traceId: match[1]!, parentId: match[2]!, sampled: (parseInt(match[3]!, 16) & 1) === 1 };
}

/**
 * The `traceparent` of a context.
 * @example
 * formatTraceparent({ traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true });
 * // '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01'
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentId}-${context.sampled ? '01' : '00'}`;
}

/**
 * Reads an X-Ray trace header (`Root=1-…-…;Parent=…;Sampled=1`, fields in any order, others ignored).
 * A header without `Parent` has no position to continue from: undefined, like a malformed one.
 * @example
 * parseXRayTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
 */
export function parseXRayTraceHeader(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string') return undefined;
  const fields = new Map(value.split(';').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
  }));
  const root = X_RAY_ROOT.exec(fields.get('Root') ?? '');
  const parentId = fields.get('Parent') ?? '';
  if (!root || !HEX16.test(parentId) || ALL_ZEROS.test(parentId)) return undefined;
  return { traceId: `${root[1]}${root[2]}`, parentId, sampled: fields.get('Sampled') === '1' };
}

/**
 * The X-Ray trace header of a context, as PutEvents' `TraceHeader` takes it.
 * @example
 * formatXRayTraceHeader(parseTraceparent(detail.traceparent)!);
 * // 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'
 */
export function formatXRayTraceHeader(context: TraceContext): string {
  return `Root=${xrayTraceId(context)};Parent=${context.parentId};Sampled=${context.sampled ? '1' : '0'}`;
}

/**
 * The X-Ray spelling of the trace id: what the X-Ray console, `xray_trace_id` in Powertools-shaped
 * logs and `aws xray batch-get-traces` take.
 * @example
 * xrayTraceId({ traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true });
 * // '1-5759e988-bd862e3fe1be46a994272793'
 */
export function xrayTraceId(context: Pick<TraceContext, 'traceId'>): string {
  return `1-${context.traceId.slice(0, 8)}-${context.traceId.slice(8)}`;
}

/**
 * The X-Ray trace id an event's `detail` carries (its `traceparent`), if any: what `courier trace`
 * prints so an operator can open the order's trace.
 * @example
 * traceIdOfDetail(row.detail); // '1-5759e988-bd862e3fe1be46a994272793'
 */
export function traceIdOfDetail(detail: unknown): string | undefined {
  let value = detail;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const context = value && typeof value === 'object' ? parseTraceparent((value as { traceparent?: unknown }).traceparent) : undefined;
  return context && xrayTraceId(context);
}
