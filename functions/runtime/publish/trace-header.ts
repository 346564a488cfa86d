import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { formatXRayTraceHeader, parseTraceparent, parseXRayTraceHeader, xrayTraceId } from '../../contracts/trace-context.js';

/**
 * The entry with its `TraceHeader` (X-Ray header; EventBridge hands it to the target, SQS as the
 * message's `AWSTraceHeader`, Lambda links the consumer's trace to it) taken from the detail's
 * `traceparent` when it has none. This is what carries an order's trace across the outbox: the
 * DynamoDB stream that wakes the relay carries no trace context, the stored row does. An entry with
 * neither is returned as it is, and the SDK sends the calling invocation's own header.
 * @example
 * await client.send(new PutEventsCommand({ Entries: rows.map((r) => withTraceHeader(r.entry)) }));
 */
export function withTraceHeader(entry: PutEventsRequestEntry): PutEventsRequestEntry {
  if (entry.TraceHeader || entry.Detail === undefined) return entry;
  let traceparent: unknown;
  try {
    traceparent = (JSON.parse(entry.Detail) as { traceparent?: unknown } | null)?.traceparent;
  } catch {
    return entry;
  }
  const context = parseTraceparent(traceparent);
  return context ? { ...entry, TraceHeader: formatXRayTraceHeader(context) } : entry;
}

/**
 * The X-Ray trace id an entry's `TraceHeader` names, for the publish log line.
 * @example
 * log.info('event published', { xray_trace_id: traceIdOfEntry(withTraceHeader(entry)) });
 */
export const traceIdOfEntry = (entry: PutEventsRequestEntry): string | undefined => {
  const context = parseXRayTraceHeader(entry.TraceHeader);
  return context && xrayTraceId(context);
};
