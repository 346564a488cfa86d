import type { SQSRecord } from 'aws-lambda';
import { parseTraceparent, parseXRayTraceHeader, xrayTraceId, type TraceContext } from '../../contracts/trace-context.js';
import { withTrace } from '../support/trace-scope.js';
import type { ConsumerMiddleware } from './middleware.js';

/**
 * The trace that produced a record: the event's own `traceparent` (courier events carry it, and it
 * survives the outbox, archive replays, redrives and engines that drop trace headers), else the
 * `AWSTraceHeader` SQS delivered the message with (on AWS: EventBridge's, for foreign events too).
 * @example
 * recordTrace(record.attributes.AWSTraceHeader, event.detail);
 */
export function recordTrace(awsTraceHeader: string | undefined, detail: unknown): TraceContext | undefined {
  const traceparent = detail && typeof detail === 'object' ? (detail as { traceparent?: unknown }).traceparent : undefined;
  return parseTraceparent(traceparent) ?? parseXRayTraceHeader(awsTraceHeader);
}

/**
 * `{ xray_trace_id }` of the trace that produced a record, for its log lines; `{}` when it has none, so
 * the line keeps the invocation's own.
 * @example
 * log.child({ event_id, ...recordTraceFields(record, detail) });
 */
export function recordTraceFields(record: SQSRecord, detail: unknown): { xray_trace_id?: string } {
  const trace = recordTrace(record.attributes?.AWSTraceHeader, detail);
  return trace ? { xray_trace_id: xrayTraceId(trace) } : {};
}

/**
 * Built-in consumer middleware (first in line, so every other middleware runs inside it): each
 * record's handler runs in the trace that produced the record, so what the handler publishes — its
 * outbox rows, publishOrStore, anything reading `currentTrace()` — continues that trace rather than
 * the consumer invocation's. On AWS, Lambda links the invocation's own trace to every message's
 * `AWSTraceHeader` (X-Ray trace linking for SQS); this makes the chain go on past the consumer.
 * A new instance per batch: it keeps the batch's trace headers by message id.
 * @example
 * // middlewareOf() puts it first for every consumer; standalone:
 * const wrapped = wrapHandler(handle, [recordTraceMiddleware()], 'inventory-orders');
 */
export function recordTraceMiddleware(): ConsumerMiddleware {
  const headers = new Map<string, string>();
  return {
    name: 'record-trace',
    beforeBatch(records) {
      for (const record of records) {
        const header = record.attributes?.AWSTraceHeader;
        if (header) headers.set(record.messageId, header);
      }
    },
    handler: (next) => (event, context) => withTrace(recordTrace(headers.get(context.messageId), event.detail), () => next(event, context)),
  };
}
