import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { EventDefinition } from '../../contracts/define.js';
import { dynamoClient, sqsClient } from '../support/aws-clients.js';
import { isFifo, units } from './batch.js';
import { recordBudgetMs, withDeadline, type RemainingTime } from './deadline.js';
import { quarantine } from './dlq.js';
import { decode, type Decoded, type EventOf, type KnownFields } from './envelope.js';
import { BusinessConditionFailed, DeadlineExceeded, isPermanent } from './errors.js';
import { commitWithMarker } from './exactly-once.js';
import { activeFaults, withIdempotencyFaults } from '../support/faults.js';
import { IdempotencyStore, type ClaimResult, type Finish } from './idempotency.js';
import { createLogger, type Logger } from '../support/log.js';
import { mapLimit } from '../support/map-limit.js';
import { Metrics } from '../support/metrics.js';
import { DEFAULT_RETRY_BACKOFF, delayRetries, type RetryBackoff } from './retry-delay.js';

export interface HandlerContext {
  /** Fires at the record's deadline; pass it to every SDK call and fetch. */
  signal: AbortSignal;
  /** Carries consumer, message_id, correlation_id, event_id and detail_type. */
  log: Logger;
  messageId: string;
  /** 1 on the first delivery. */
  receiveCount: number;
}

/**
 * Nothing, or (exactly-once mode) DynamoDB writes the runtime commits in one transaction with the
 * idempotency marker instead of the handler performing them.
 */
export type HandlerResult = void | { writes: TransactWriteItem[] };

export interface IdempotencyOptions<E extends readonly EventDefinition<any>[]> {
  table: string;
  /** Defaults to `detail.event_id`; the stored id is `<consumer>#<key>`. */
  key?: (event: EventOf<E>) => string;
  /** How long a completed marker suppresses duplicates. Default 48 h (EventBridge retries for 24 h). */
  ttlSeconds?: number;
}

export interface ConsumerOptions<E extends readonly EventDefinition<any>[]> {
  /** Default: CONSUMER_NAME. Used in idempotency ids, logs, metrics and DLQ attributes. */
  name?: string;
  /** The events this consumer declares; anything else is quarantined as UnexpectedDetailType. */
  events: E;
  idempotency: IdempotencyOptions<E> | false;
  handle: (event: EventOf<E>, context: HandlerContext) => Promise<HandlerResult>;
  /**
   * Exactly-once mode: a condition on one of the returned writes failed and nothing was applied. Return
   * to acknowledge (the record is marked completed), throw to classify as usual. Without this hook the
   * record is quarantined with error class BusinessConditionFailed.
   */
  onConditionFailed?: (error: BusinessConditionFailed, event: EventOf<E>, context: HandlerContext) => Promise<void>;
  /** Default 10 s. */
  perRecordTimeoutMs?: number;
  /** Time kept back for the final idempotency flush and the response. Default 2 s. */
  safetyMarginMs?: number;
  /** Records in flight at once. Default 10 on standard queues, 1 on FIFO queues (there: groups in flight). */
  concurrency?: number;
  /** Default: DLQ_URL. */
  dlqUrl?: string;
  /**
   * Standard queues: records with the same key run one after another within a batch, in arrival order
   * (e.g. the order id, so replies about one order never race each other for its version).
   */
  orderingKey?: (event: EventOf<E>) => string;
  /** Delay of retried records (standard queues; not for records another invocation holds). Default 5 s doubling to 15 min; false = the queue's visibility timeout. */
  retryBackoff?: RetryBackoff | false;
}

export type LambdaContext = RemainingTime & { awsRequestId?: string };

const DEFAULT_TTL_SECONDS = 48 * 3600;

type Outcome = 'processed' | 'duplicate' | 'retry' | 'quarantined';

/** Metric names per docs/ARCHITECTURE.md § Shared conventions. */
const METRIC: Record<Outcome, string> = {
  processed: 'processed',
  duplicate: 'duplicates',
  retry: 'transient_failures',
  quarantined: 'quarantined',
};

const knownFields = (event: EventOf<readonly EventDefinition<any>[]>): KnownFields => {
  const detail = event.detail as { event_id: string; correlation_id: string };
  return { detailType: event.detailType, eventId: detail.event_id, correlationId: detail.correlation_id };
};

interface Item<D> {
  record: SQSRecord;
  decoded: Decoded<D>;
  id?: string;
  claim?: ClaimResult;
}

/**
 * A Lambda handler for SQS queues fed by EventBridge rules. Per record: decode and validate, claim the
 * idempotency key, run the handler under its deadline, complete or release. One record's failure is
 * reported in `batchItemFailures` and never fails the batch; permanent failures go to the DLQ at once.
 */
export function consumer<const E extends readonly EventDefinition<any>[]>(options: ConsumerOptions<E>) {
  type Event = EventOf<E>;
  const name = options.name ?? process.env.CONSUMER_NAME;
  if (!name) throw new Error('consumer name missing: set `name` or CONSUMER_NAME');
  const dlqUrl = options.dlqUrl ?? process.env.DLQ_URL;
  if (!dlqUrl) throw new Error('DLQ URL missing: set `dlqUrl` or DLQ_URL');
  const idempotency = options.idempotency;
  if (idempotency && !idempotency.table) throw new Error('idempotency table missing: set IDEMPOTENCY_TABLE');
  const store = idempotency
    ? new IdempotencyStore(idempotency.table, idempotency.ttlSeconds ?? DEFAULT_TTL_SECONDS, withIdempotencyFaults(dynamoClient(), { consumer: name }))
    : undefined;
  const keyOf = idempotency ? (idempotency.key ?? ((e: Event) => (e.detail as { event_id: string }).event_id)) : undefined;
  const declared = new Map<string, EventDefinition>(options.events.map((e) => [e.detailType, e]));
  const perRecordMs = options.perRecordTimeoutMs ?? 10_000;
  const marginMs = options.safetyMarginMs ?? 2_000;
  const baseLog = createLogger({ consumer: name });
  const metrics = new Metrics({ consumer: name });

  return async (sqsEvent: SQSEvent, context: LambdaContext): Promise<SQSBatchResponse> => {
    // Fault injection (local engine only, faults.ts): undefined unless COURIER_FAULTS is set.
    const faults = activeFaults({ consumer: name });
    const handle = faults ? faults.handler(options.handle) : options.handle;
    const records = sqsEvent.Records ?? [];
    const fifo = isFifo(records);
    const log = context.awsRequestId ? baseLog.child({ request_id: context.awsRequestId }) : baseLog;
    const failed = new Set<string>();
    const finishes: Finish[] = [];
    // Retried records whose retry may come early: not those another invocation still holds (its lease decides).
    const delayed: SQSRecord[] = [];
    const items: Item<Event['detail']>[] = records.map((record) => ({ record, decoded: decode(record.body, declared) }));

    if (store && keyOf && context.getRemainingTimeInMillis() >= marginMs) await claimAll(items, context);

    const groupOf = (item: Item<Event['detail']>): string | undefined => {
      if (fifo) return item.record.attributes.MessageGroupId ?? '';
      return options.orderingKey && item.decoded.ok ? options.orderingKey(item.decoded.event) : undefined;
    };
    await mapLimit(units(items, groupOf), options.concurrency ?? (fifo ? 1 : 10), async (unit) => {
      // A FIFO unit is one message group: after a failure its later records must not run out of order.
      let blocked = false;
      for (const item of unit) {
        const outcome = await settle(item, context, blocked);
        faults?.crashPoint({ message_id: item.record.messageId });
        if (outcome === 'retry') {
          failed.add(item.record.messageId);
          blocked = fifo;
        }
      }
    });

    const backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    if (backoff && !fifo && delayed.length > 0) await delayRetries(sqsClient(), delayed, backoff, log);

    if (store && finishes.length > 0) {
      const results = await store.finish(finishes);
      for (const [id, result] of results) if (result !== 'ok') log.warn('idempotency marker not updated', { idempotency_id: id, result });
    }
    metrics.flush();
    return { batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })) };

    /** Claims every decoded record in one round trip; the second copy of a key within the batch waits. */
    async function claimAll(all: Item<Event['detail']>[], ctx: LambdaContext): Promise<void> {
      const owners = new Map<string, Item<Event['detail']>>();
      for (const item of all) {
        if (!item.decoded.ok) continue;
        try {
          item.id = `${name}#${keyOf!(item.decoded.event)}`;
        } catch (error) {
          item.claim = { status: 'error', error };
          continue;
        }
        if (owners.has(item.id)) item.claim = { status: 'in_progress' };
        else owners.set(item.id, item);
      }
      // The lease covers the latest moment any record of this batch can still be running.
      const leaseMs = Math.min(ctx.getRemainingTimeInMillis() - marginMs, all.length * perRecordMs);
      const claims = await store!.claim([...owners.keys()], Date.now() + leaseMs);
      for (const [id, claim] of claims) owners.get(id)!.claim = claim;
    }

    /** Decides one record's fate; never throws. */
    async function settle(item: Item<Event['detail']>, ctx: LambdaContext, blocked: boolean): Promise<Outcome> {
      const { record, decoded } = item;
      const known: KnownFields = decoded.ok ? knownFields(decoded.event) : decoded.known;
      const recordLog = log.child({
        message_id: record.messageId,
        correlation_id: known.correlationId,
        event_id: known.eventId,
        detail_type: known.detailType,
      });
      const started = Date.now();
      const token = item.claim?.status === 'claimed' ? item.claim.token : undefined;
      // What to do with our claim at the end of the batch; left undefined when the state is not ours to set.
      let marker: Finish['action'] | undefined;

      const report = (outcome: Outcome, fields: Record<string, unknown> = {}): Outcome => {
        const entry = { outcome, duration_ms: Date.now() - started, ...fields };
        if (outcome === 'retry') recordLog.warn('record will be retried', entry);
        else if (outcome === 'quarantined') recordLog.error('record quarantined', entry);
        else recordLog.info(outcome === 'duplicate' ? 'duplicate acknowledged' : 'record processed', entry);
        metrics.add(METRIC[outcome], 'Count');
        if (outcome === 'processed' || outcome === 'quarantined') metrics.add('duration', 'Milliseconds', entry.duration_ms);
        return outcome;
      };
      const retry = (reason: string, fields: Record<string, unknown> = {}): Outcome => {
        marker = 'release';
        if (reason !== 'in_progress') delayed.push(record);
        return report('retry', { reason, ...fields });
      };
      const toDlq = async (error: Error): Promise<Outcome> => {
        marker = 'release';
        try {
          await quarantine(sqsClient(), dlqUrl!, record, { error, consumer: name!, detailType: known.detailType, eventId: known.eventId });
          return report('quarantined', { error });
        } catch (sendError) {
          delayed.push(record);
          return report('retry', { reason: 'dlq_send_failed', error, send_error: sendError });
        }
      };
      const fail = (error: unknown): Promise<Outcome> | Outcome =>
        isPermanent(error) ? toDlq(error) : retry(error instanceof DeadlineExceeded ? 'deadline' : 'handler_error', { error });

      const decide = async (): Promise<Outcome> => {
        if (blocked) return retry('fifo_group_blocked');
        if (ctx.getRemainingTimeInMillis() < marginMs) return retry('invocation_deadline');
        if (!decoded.ok) return toDlq(decoded.error);
        if (store && !item.claim) return retry('not_claimed');
        if (item.claim?.status === 'completed') return report('duplicate');
        if (item.claim?.status === 'in_progress') return retry('in_progress');
        if (item.claim?.status === 'error') return retry('claim_failed', { error: item.claim.error });

        const event = decoded.event;
        const budget = recordBudgetMs(ctx, perRecordMs, marginMs);
        const hc = (signal: AbortSignal): HandlerContext => ({
          signal,
          log: recordLog,
          messageId: record.messageId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount ?? 1),
        });
        let result: HandlerResult;
        try {
          result = await withDeadline(budget, (signal) => handle(event, hc(signal)));
        } catch (error) {
          return fail(error);
        }
        if (result?.writes) {
          let commit;
          try {
            commit = await commitWithMarker(dynamoClient(), result.writes, token ? store!.completionWrite(item.id!, token) : undefined);
          } catch (error) {
            if (isPermanent(error)) return toDlq(error);
            // The commit may or may not have applied: keep the claim and let its lease decide on redelivery.
            return report('retry', { reason: 'commit_failed', error });
          }
          if (commit.status === 'committed') return report('processed');
          if (commit.status === 'lease_lost') return report('retry', { reason: 'lease_lost' });
          if (!options.onConditionFailed) return toDlq(commit.error);
          const failure = commit.error;
          try {
            await withDeadline(budget, (signal) => options.onConditionFailed!(failure, event, hc(signal)));
          } catch (error) {
            return fail(error);
          }
        }
        marker = 'complete';
        return report('processed');
      };

      let outcome: Outcome;
      try {
        outcome = await decide();
      } catch (error) {
        // Defensive: one record must never fail the batch. Its claim is left to the lease (state unknown).
        marker = undefined;
        outcome = report('retry', { reason: 'runtime_error', error });
      }
      if (token && marker) finishes.push({ id: item.id!, token, action: marker });
      return outcome;
    }
  };
}
