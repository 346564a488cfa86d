import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { flag, JSON_OPTION, stringOption, type Command, type Group } from './args.js';
import { CliError, EXIT, type Context } from './context.js';
import type { ConsumerInfo, FailedMessagesInfo } from './discovery.js';
import { iso, table, truncate } from './format.js';
import { horizonCheck, type Redelivery } from './horizon.js';
import { invokeJson } from './outbox.js';
import { byService } from './resolve.js';
import { scanItems } from './scan.js';

export interface FailedRow {
  service: string;
  eventId: string;
  status: 'DUE' | 'PARKED' | string;
  attempts: number;
  nextAttemptAt?: string;
  parkedAt?: string;
  error: string;
  detailType?: string;
  source?: string;
  businessKey?: string;
  /** The event's `occurred_at` (courier events carry it). */
  occurredAt?: string;
}

export function toFailedRow(service: string, item: Record<string, unknown>): FailedRow {
  let entry: { DetailType?: string; Source?: string; Detail?: string } = {};
  try {
    entry = JSON.parse(String(item.entry ?? '{}'));
  } catch {
    // keep the row visible even when its entry is unreadable
  }
  let detail: Record<string, unknown> = {};
  try {
    detail = JSON.parse(entry.Detail ?? '{}');
  } catch {
    // idem
  }
  const key = (['order_id', 'user_id', 'key'] as const).map((k) => detail[k]).find((v) => typeof v === 'string') as string | undefined;
  return {
    service,
    eventId: String(item.event_id),
    status: String(item.status ?? '?'),
    attempts: Number(item.attempts ?? 0),
    ...(item.next_attempt_at !== undefined ? { nextAttemptAt: iso(Number(item.next_attempt_at)) } : {}),
    ...(item.parked_at !== undefined ? { parkedAt: iso(Number(item.parked_at)) } : {}),
    error: String(item.error ?? ''),
    ...(entry.DetailType ? { detailType: entry.DetailType } : {}),
    ...(entry.Source ? { source: entry.Source } : {}),
    ...(key ? { businessKey: key } : {}),
    ...(typeof detail.occurred_at === 'string' ? { occurredAt: detail.occurred_at } : {}),
  };
}

/** Scans a store (an ops tool on a small table; parked rows have no index), optionally with a filter. */
export async function scanStore(ctx: Context, store: FailedMessagesInfo, filter?: Pick<ScanCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<FailedRow[]> {
  const items = await scanItems(ctx.clients.dynamodb, store.tableName, filter);
  return items.map((item) => toFailedRow(store.service, item));
}

const onlyParked = {
  FilterExpression: '#s = :parked',
  ExpressionAttributeNames: { '#s': 'status' },
  ExpressionAttributeValues: { ':parked': { S: 'PARKED' } },
};

/** Rows of the failed-message stores: DUE (the retrier will try again at next_attempt_at) and PARKED (given up). */
export async function failedList(ctx: Context, options: { service?: string; parked?: boolean } = {}): Promise<FailedRow[]> {
  const stores = byService((await ctx.deployment()).failedMessages, options.service, 'a failed-message store');
  const rows = (await Promise.all(stores.map((s) => scanStore(ctx, s, options.parked ? onlyParked : undefined)))).flat();
  return rows.sort((a, b) => a.status.localeCompare(b.status) || (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? ''));
}

export function renderFailedList(rows: FailedRow[], parked?: boolean): string {
  if (rows.length === 0) return parked ? 'no parked messages' : 'no failed messages: every publish went out';
  return [
    table(
      ['SERVICE', 'STATUS', 'EVENT_ID', 'DETAIL-TYPE', 'KEY', 'ATTEMPTS', 'NEXT ATTEMPT', 'ERROR'],
      rows.map((r) => [r.service, r.status, r.eventId, r.detailType, r.businessKey, r.attempts, r.status === 'PARKED' ? `parked ${r.parkedAt ?? ''}` : r.nextAttemptAt, truncate(r.error, 80)]),
    ),
    '',
    rows.some((r) => r.status === 'PARKED')
      ? 'parked rows are not retried; after fixing the cause: courier failed retry [--service S] [--event-id ID]'
      : 'due rows are retried by the scheduled retrier; courier failed retry runs it now',
  ].join('\n');
}

export interface FailedRetryResult {
  service: string;
  retrierFunctionName: string;
  /** Rows set DUE now (status DUE, due = DUE, next_attempt_at = now; attempts kept). */
  madeDue: string[];
  /** Rows that vanished between reading and updating (published or expired meanwhile). */
  missing: string[];
  retrier?: { due: number; published: number; rescheduled: number; parked: number; unrecorded: number };
  error?: string;
  /** With --force: the events that were older than a receiving consumer's idempotency horizon. */
  warnings?: string[];
}

/**
 * Makes parked/due rows due now (conditional on the row existing), then invokes the store's retrier.
 * Refuses (before changing anything) when an event is older than the idempotency horizon of a consumer
 * that receives it, unless `force`.
 */
export async function failedRetry(ctx: Context, options: { service?: string; eventId?: string; force?: boolean } = {}): Promise<FailedRetryResult[]> {
  const deployment = await ctx.deployment();
  const stores = byService(deployment.failedMessages, options.service, 'a failed-message store');
  const selected: { store: FailedMessagesInfo; rows: FailedRow[] }[] = [];
  for (const store of stores) {
    if (options.eventId) {
      const { Item } = await ctx.clients.dynamodb.send(new GetItemCommand({ TableName: store.tableName, Key: marshall({ event_id: options.eventId }), ConsistentRead: true }));
      if (Item) selected.push({ store, rows: [toFailedRow(store.service, unmarshall(Item))] });
    } else {
      selected.push({ store, rows: await scanStore(ctx, store) });
    }
  }
  if (options.eventId && selected.length === 0) {
    throw new CliError(`no failed-message row with event_id ${options.eventId}${options.service ? ` in ${options.service}` : ''}`, EXIT.failure, 'courier failed list shows what is there');
  }
  const warnings = selected.map(({ rows }) => horizonCheck('failed retry', rows.flatMap((r) => redeliveryOf(r, deployment.consumers)), ctx.now(), options.force));
  const results: FailedRetryResult[] = [];
  for (const [i, { store, rows }] of selected.entries()) {
    const ids = rows.map((r) => r.eventId);
    const result: FailedRetryResult = { service: store.service, retrierFunctionName: store.retrierFunctionName, madeDue: [], missing: [], ...(warnings[i]!.length > 0 && { warnings: warnings[i] }) };
    const now = ctx.now();
    for (const id of ids) {
      try {
        await ctx.clients.dynamodb.send(
          new UpdateItemCommand({
            TableName: store.tableName,
            Key: marshall({ event_id: id }),
            UpdateExpression: 'SET #s = :due, #due = :due, next_attempt_at = :now',
            ConditionExpression: 'attribute_exists(event_id)',
            ExpressionAttributeNames: { '#s': 'status', '#due': 'due' },
            ExpressionAttributeValues: marshall({ ':due': 'DUE', ':now': now }),
          }),
        );
        result.madeDue.push(id);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) && (error as Error).name !== 'ConditionalCheckFailedException') throw error;
        result.missing.push(id);
      }
    }
    if (result.madeDue.length > 0) {
      const invoked = await invokeJson(ctx, store.retrierFunctionName, { source: 'courier-cli' });
      if (invoked.error) result.error = invoked.error;
      else result.retrier = invoked.payload as FailedRetryResult['retrier'];
    }
    results.push(result);
  }
  return results;
}

/** A stored event as the horizon check sees it: when it happened and who receives its detail-type. */
function redeliveryOf(row: FailedRow, consumers: readonly ConsumerInfo[]): Redelivery[] {
  const at = row.occurredAt ? Date.parse(row.occurredAt) : NaN;
  if (!Number.isFinite(at) || !row.detailType) return [];
  return [{ at, consumers: consumers.filter((c) => c.detailTypes.includes(row.detailType!)), label: `event ${row.eventId} (${row.detailType})` }];
}

export function renderFailedRetry(results: FailedRetryResult[]): string {
  if (results.length === 0) return 'no failed-message stores selected';
  return results
    .map((r) => {
      if (r.madeDue.length === 0) return `${r.service}: nothing to retry${r.missing.length ? ` (${r.missing.length} row(s) gone meanwhile)` : ''}`;
      const run = r.error
        ? `retrier failed: ${r.error}`
        : `retrier: ${r.retrier?.due ?? '?'} due, ${r.retrier?.published ?? '?'} published, ${r.retrier?.rescheduled ?? '?'} rescheduled, ${r.retrier?.parked ?? '?'} parked again`;
      return `${r.service}: made ${r.madeDue.length} row(s) due now (attempts kept); ${run}${r.retrier?.parked ? ' — rows at their attempt limit park again on the first failure: fix the cause first' : ''}`;
    })
    .join('\n');
}

export const failedGroup: Group = {
  name: 'failed',
  summary: 'Failed-message stores: events a fire-and-forget publish could not send (due for retry, or parked).',
  commands: [
    {
      name: 'failed list',
      summary: 'rows due or parked, with attempts, next attempt and the last error',
      options: {
        service: { type: 'string', value: 'S', description: 'only service S' },
        parked: { type: 'boolean', description: 'only parked rows (given up; alarmed)' },
        json: JSON_OPTION,
      },
      async run(ctx, parsed) {
        const rows = await failedList(ctx, { service: stringOption(parsed, 'service'), parked: flag(parsed, 'parked') });
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(rows, null, 2) : renderFailedList(rows, flag(parsed, 'parked')));
        return EXIT.ok;
      },
    },
    {
      name: 'failed retry',
      summary: "make parked/due rows due now and run the store's retrier",
      options: {
        service: { type: 'string', value: 'S', description: 'only service S' },
        'event-id': { type: 'string', value: 'ID', description: 'only the row with this event_id' },
        force: { type: 'boolean', description: "retry events older than a receiving consumer's idempotency horizon (they run again)" },
        json: JSON_OPTION,
      },
      details:
        'The retrier republishes with the stored event_id (consumers dedupe for their idempotency horizon, 31 days by default), deletes what went out, and reschedules or parks what fails again. Events older than a receiving consumer\'s horizon are refused unless --force.',
      async run(ctx, parsed) {
        const results = await failedRetry(ctx, { service: stringOption(parsed, 'service'), eventId: stringOption(parsed, 'event-id'), force: flag(parsed, 'force') });
        if (!flag(parsed, 'json')) for (const w of results.flatMap((r) => r.warnings ?? [])) ctx.out.err(`warning: ${w}\n`);
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(results, null, 2) : renderFailedRetry(results));
        return results.some((r) => r.error) ? EXIT.failure : EXIT.ok;
      },
    },
  ] satisfies Command[],
};
