import type { SQSRecord } from 'aws-lambda';
import type { AnyConsumedEvent } from './events.js';
import type { HandlerContext, HandlerResult } from './options.js';
import { recordTraceMiddleware } from './record-trace.js';

/** A record's handler as middleware sees it (the event is not narrowed here). */
export type RecordHandler = (event: AnyConsumedEvent, context: HandlerContext) => Promise<HandlerResult>;

/** How a record ended. */
export type Outcome = 'processed' | 'duplicate' | 'retry' | 'quarantined';

/**
 * Behaviour added around the consumer's records without touching its core (Watermill's
 * HandlerMiddleware): tracing, instrumentation, or fault injection in a test deployment.
 *
 * @example
 * const timing: ConsumerMiddleware = {
 *   name: 'timing',
 *   handler: (next) => async (event, context) => {
 *     const started = Date.now();
 *     try { return await next(event, context); } finally { context.log.debug('handler time', { ms: Date.now() - started }); }
 *   },
 * };
 * export const handler = consumer({ events: [ShipmentDispatchedV1], middleware: [timing], handle });
 */
export interface ConsumerMiddleware {
  /** For logs. */
  readonly name: string;
  /**
   * Called when a batch arrives, before anything of it runs. An error thrown here fails the whole
   * invocation (SQS redelivers the batch): only for a misconfiguration that must stop everything.
   */
  readonly beforeBatch?: (records: readonly SQSRecord[], consumer: string) => void;
  /** Wraps the handler of every record; call `next` to run it (or do not, to replace it). */
  readonly handler?: (next: RecordHandler, consumer: string) => RecordHandler;
  /** Called once a record's outcome is decided, before the batch finishes. */
  readonly afterRecord?: (record: SQSRecord, outcome: Outcome, consumer: string) => void;
}

const processWide: ConsumerMiddleware[] = [];

/**
 * Adds middleware to every consumer of this process, after each consumer's own. For wiring that must
 * not live in handler code: a deployment injects a module that calls this (courier/testing's faults in
 * the local chaos deployment), so production bundles never contain it.
 *
 * @example
 * // a module the test deployment injects (esbuild `inject`)
 * useConsumerMiddleware({ name: 'trace', handler: (next) => (event, ctx) => next(event, ctx) });
 */
export function useConsumerMiddleware(...middleware: ConsumerMiddleware[]): void {
  processWide.push(...middleware);
}

/**
 * The middleware of one batch: courier's record-trace step (outermost), the consumer's own, then the
 * process-wide ones (read per invocation: injected modules may register late).
 */
export const middlewareOf = (own: readonly ConsumerMiddleware[]): readonly ConsumerMiddleware[] => [recordTraceMiddleware(), ...own, ...processWide];

/** The handler wrapped by every middleware, the first given outermost. */
export function wrapHandler(handler: RecordHandler, middleware: readonly ConsumerMiddleware[], consumer: string): RecordHandler {
  return middleware.reduceRight<RecordHandler>((next, m) => (m.handler ? m.handler(next, consumer) : next), handler);
}
