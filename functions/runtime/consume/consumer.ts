import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ConsumableEvent } from '../../contracts/index.js';
import { mapLimit } from '../support/map-limit.js';
import { isFifo, units } from './batch.js';
import { claimAll, type ClaimedRecord } from './claim.js';
import { CONSUMER_DEFAULTS, resolveConfig, type ConsumerConfig } from './config.js';
import { BatchClock, leaseMs, type RemainingTime } from './deadline.js';
import { decode } from './decode.js';
import { finish } from './finish.js';
import { middlewareOf, type ConsumerMiddleware } from './middleware.js';
import type { ConsumerOptions } from './options.js';
import { settle, type Verdict } from './settle.js';
import type { Logger } from '../support/log.js';
import { withInvocation } from '../support/invocation.js';

/** The Lambda context as the consumer uses it. */
export type LambdaContext = RemainingTime & { awsRequestId?: string };

/**
 * A Lambda handler for SQS queues fed by EventBridge rules, as five named steps per batch: decode every
 * record against the declared events, claim their idempotency keys in one round trip, run each handler
 * under its deadline, settle its fate (DLQ at once for permanent failures, retry for transient ones),
 * and finish (complete or release the claims, delay the retries, answer `batchItemFailures`). One
 * record's failure never fails the batch.
 *
 * @example
 * export const handler = consumer({
 *   events: [OrderCreatedV1, OrderCancelledV1],
 *   handle: {
 *     'order.created.v1': async ({ detail }) => ({ writes: reserve(detail) }),
 *     'order.cancelled.v1': async ({ detail }) => ({ writes: release(detail) }),
 *   },
 * });
 */
export function consumer<const E extends readonly ConsumableEvent[]>(options: ConsumerOptions<E>) {
  const config = resolveConfig(options as unknown as ConsumerOptions<readonly ConsumableEvent[]>);
  return withInvocation((event: SQSEvent, context: LambdaContext): Promise<SQSBatchResponse> => consumeBatch(config, event.Records ?? [], context));
}

async function consumeBatch(config: ConsumerConfig, records: readonly SQSRecord[], context: LambdaContext): Promise<SQSBatchResponse> {
  const log = context.awsRequestId ? config.log.child({ function_request_id: context.awsRequestId }) : config.log;
  const middleware = middlewareOf(config.middleware);
  for (const m of middleware) m.beforeBatch?.(records, config.name);
  const fifo = isFifo(records);
  const decoded = records.map((record) => ({ record, decoded: decode(record.body, config.declared) }));

  const lease = leaseMs(context, records.length, config.perRecordMs, config.marginMs);
  // Only claims have a lease; optimistic mode holds nothing, so only the invocation bounds it.
  const claims = config.store !== undefined && config.mode === 'claim';
  const clock = new BatchClock(context, config.perRecordMs, config.marginMs, claims ? Date.now() + lease : Infinity);
  // Below the margin nothing runs: claiming would only hold keys the retry then has to wait out. A claim
  // answered after `end − margin` could not start a record anyway.
  const claimed =
    config.store && clock.canStart()
      ? await claimAll(config, decoded, Date.now() + lease, clock.end() - config.marginMs)
      : decoded.map((d): ClaimedRecord => ({ ...d }));

  const verdicts = await runUnits(config, withGroups(config, claimed, fifo), fifo, { clock, log, middleware });
  return finish(config, verdicts, clock, fifo, log);
}

/**
 * Each record's group: the FIFO message group, or the ordering key (a key function that fails makes the
 * record invalid). In optimistic mode copies of one key share a group without an ordering key, so a
 * later copy runs after the first and follows its outcome instead of racing it.
 */
function withGroups(config: ConsumerConfig, items: readonly ClaimedRecord[], fifo: boolean): { item: ClaimedRecord; group?: string }[] {
  return items.map((item) => {
    if (fifo) return { item, group: item.record.attributes.MessageGroupId ?? '' };
    if (!item.decoded.ok || item.invalid) return { item };
    try {
      const group = config.groupOf(item.decoded.event);
      return { item, group: group === undefined && config.mode === 'optimistic' && item.id !== undefined ? `\u0000id:${item.id}` : group };
    } catch (error) {
      return { item: { ...item, invalid: error as Error } };
    }
  });
}

/**
 * Runs the records as units (a group's records in arrival order, one after another; groups and
 * ungrouped records concurrently, bounded). In a FIFO group a failure blocks the group's later records.
 * Verdicts come back in record order.
 */
async function runUnits(
  config: ConsumerConfig,
  items: readonly { item: ClaimedRecord; group?: string }[],
  fifo: boolean,
  shared: { clock: BatchClock; log: Logger; middleware: readonly ConsumerMiddleware[] },
): Promise<Verdict[]> {
  const indexed = items.map((entry, index) => ({ ...entry, index }));
  /** How the first copy of each key ended, for the later copies (optimistic mode). */
  const firstCopies = new Map<string, Verdict['outcome']>();
  const concurrency = config.concurrency ?? (fifo ? CONSUMER_DEFAULTS.fifoConcurrency : CONSUMER_DEFAULTS.concurrency);
  const perUnit = await mapLimit(units(indexed, (e) => e.group), concurrency, async (unit) => {
    const out: [number, Verdict][] = [];
    let blocked = false;
    for (const { item, index } of unit) {
      const earlier = item.claim?.status === 'copy' ? firstCopies.get(item.id!) : undefined;
      const verdict = await settle(config, { item, blocked, earlier, ...shared });
      if (item.id !== undefined && item.claim?.status !== 'copy') firstCopies.set(item.id, verdict.outcome);
      for (const m of shared.middleware) m.afterRecord?.(item.record, verdict.outcome, config.name);
      blocked ||= fifo && verdict.outcome === 'retry';
      out.push([index, verdict]);
    }
    return out;
  });
  const verdicts = new Array<Verdict>(items.length);
  for (const [index, verdict] of perUnit.flat()) verdicts[index] = verdict;
  return verdicts;
}
