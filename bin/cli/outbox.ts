import { paginateQuery, QueryCommand, UpdateItemCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { flag, intOption, JSON_OPTION, stringOption, type Command, type Group } from './args.js';
import { OUTBOX_TABLE } from '../../functions/contracts/conventions.js';
import { EXIT, type Context } from './context.js';
import type { OutboxInfo } from './discovery.js';
import { formatAge, iso, table } from './format.js';
import { queueDepth } from './dlq.js';
import { byService } from './resolve.js';

const PENDING = 'PENDING';
const PARKED = 'PARKED';

/** A row the relay or sweeper gave up on: refused by the bus, or failing for every sweep. */
export interface ParkedRow {
  eventId: string;
  detailType: string;
  parkedAt: string;
  attempts: number;
  error: string;
}

/** One service's outbox in `courier outbox status`: what is not yet published, and since when. */
export interface OutboxStatus {
  service: string;
  tableName: string;
  /** Rows written and not yet published. */
  pending: number;
  /** Pending rows created at or before the --older-than cutoff (all pending rows without it). */
  pendingOlder?: number;
  oldestPendingAt?: string;
  oldestPendingAgeSeconds?: number;
  /** Event ids of the oldest pending rows (up to 5). */
  oldestPendingEventIds: string[];
  /** Stream batches the relay gave up on (their rows are still pending). */
  relayDlqDepth: number;
  /** Parked rows: never published unless an operator acts. */
  parked: number;
  /** The newest parked rows, with why. */
  newestParked: ParkedRow[];
}

/** Counts the items of one key of a sparse index (every page) and returns the first `first` items in `forward` order. */
async function sparseIndex(ctx: Context, base: QueryCommandInput, first: number, forward: boolean): Promise<{ count: number; items: Record<string, unknown>[] }> {
  const head = await ctx.clients.dynamodb.send(new QueryCommand({ ...base, Limit: first, ScanIndexForward: forward }));
  let count = 0;
  for await (const page of paginateQuery({ client: ctx.clients.dynamodb }, { ...base, Select: 'COUNT' })) count += page.Count ?? 0;
  return { count, items: (head.Items ?? []).map((i) => unmarshall(i)) };
}

/** Counts PENDING rows through the sparse `pending-by-age` index (oldest first), optionally only those created ≤ cutoff. */
export async function pendingRows(ctx: Context, outbox: OutboxInfo, cutoff?: number): Promise<{ count: number; oldest: { eventId: string; createdAt: number }[] }> {
  const { count, items } = await sparseIndex(
    ctx,
    {
      TableName: outbox.tableName,
      IndexName: outbox.pendingIndex,
      KeyConditionExpression: cutoff === undefined ? '#p = :p' : '#p = :p AND created_at <= :cutoff',
      ExpressionAttributeNames: { '#p': 'pending' },
      ExpressionAttributeValues: { ':p': { S: PENDING }, ...(cutoff === undefined ? {} : { ':cutoff': { N: String(cutoff) } }) },
    },
    5,
    true,
  );
  return { count, oldest: items.map((r) => ({ eventId: String(r.event_id), createdAt: Number(r.created_at) })) };
}

/** Counts PARKED rows through the sparse `parked-by-time` index and returns the newest, with their reasons. */
export async function parkedRows(ctx: Context, outbox: OutboxInfo): Promise<{ count: number; newest: ParkedRow[] }> {
  const { count, items } = await sparseIndex(
    ctx,
    {
      TableName: outbox.tableName,
      IndexName: OUTBOX_TABLE.parkedIndex,
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeNames: { '#p': 'parked' },
      ExpressionAttributeValues: { ':p': { S: PARKED } },
    },
    5,
    false,
  );
  return {
    count,
    newest: items.map((r) => ({
      eventId: String(r.event_id),
      detailType: String(r.detail_type),
      parkedAt: iso(Number(r.parked_at)) ?? '?',
      attempts: Number(r.attempts ?? 0),
      error: String(r.last_error ?? ''),
    })),
  };
}

/**
 * Per service (or one, with `service`): pending rows and the oldest of them, the relay DLQ's depth, and
 * the parked rows with why. Rows pending for seconds are normal; for minutes, the relay is not publishing.
 *
 * @example
 * const [shipping] = await outboxStatus(ctx, { service: 'shipping', olderThanSeconds: 300 });
 * if ((shipping?.pendingOlder ?? 0) > 0) await outboxRetry(ctx, { service: 'shipping', olderThanSeconds: 300 });
 */
export async function outboxStatus(ctx: Context, options: { service?: string; olderThanSeconds?: number } = {}): Promise<OutboxStatus[]> {
  const outboxes = byService((await ctx.deployment()).outboxes, options.service, 'an outbox');
  const now = ctx.now();
  return Promise.all(
    outboxes.map(async (o) => {
      const [all, older, dlq, parked] = await Promise.all([
        pendingRows(ctx, o),
        options.olderThanSeconds === undefined ? undefined : pendingRows(ctx, o, now - options.olderThanSeconds * 1000),
        queueDepth(ctx.clients.sqs, o.relayDlqUrl, now, false),
        parkedRows(ctx, o),
      ]);
      const oldest = all.oldest[0];
      return {
        service: o.service,
        tableName: o.tableName,
        pending: all.count,
        ...(older ? { pendingOlder: older.count } : {}),
        ...(oldest ? { oldestPendingAt: iso(oldest.createdAt), oldestPendingAgeSeconds: (now - oldest.createdAt) / 1000 } : {}),
        oldestPendingEventIds: all.oldest.map((r) => r.eventId),
        relayDlqDepth: dlq.depth,
        parked: parked.count,
        newestParked: parked.newest,
      };
    }),
  );
}

/**
 * The table `courier outbox status` prints, with what to do about stuck and parked rows.
 *
 * @example
 * ctx.out.out(renderOutboxStatus(await outboxStatus(ctx)));
 */
export function renderOutboxStatus(rows: OutboxStatus[]): string {
  const stuck = rows.filter((r) => (r.oldestPendingAgeSeconds ?? 0) > 120 || r.relayDlqDepth > 0);
  const parked = rows.filter((r) => r.parked > 0);
  return [
    table(
      ['SERVICE', 'PENDING', 'OLDEST PENDING', 'RELAY DLQ', 'OLDEST EVENT_IDS', 'PARKED'],
      rows.map((r) => [r.service, r.pending, formatAge(r.oldestPendingAgeSeconds), r.relayDlqDepth, r.oldestPendingEventIds.slice(0, 3).join(' ') || '-', r.parked]),
    ),
    '',
    stuck.length
      ? `rows pending for minutes or relay failures in: ${stuck.map((r) => r.service).join(', ')}; republish them: courier outbox retry --service <service>`
      : 'nothing stuck (rows pending for seconds are normal: the relay publishes from the stream)',
    ...(parked.length
      ? [
          '',
          'parked rows (not published: the bus refused them, or every sweep failed), newest first:',
          table(
            ['SERVICE', 'EVENT_ID', 'DETAIL-TYPE', 'PARKED AT', 'ATTEMPTS', 'REASON'],
            parked.flatMap((r) => r.newestParked.map((p) => [r.service, p.eventId, p.detailType, p.parkedAt, p.attempts, p.error.slice(0, 120)])),
          ),
        ]
      : []),
  ].join('\n');
}

/** What `courier outbox retry` did for one service: pending rows before and after its sweeper ran. */
export interface OutboxRetryResult {
  service: string;
  sweeperFunctionName: string;
  /** The sweeper's own SWEEP_AFTER_SECONDS (rows younger than this are left to the relay). */
  sweepAfterSeconds: number;
  pendingBefore: number;
  pendingAfter: number;
  /** With `parked`: parked rows put back to PENDING (attempts reset) before the sweep. */
  unparked?: number;
  /** The sweeper's answer: { found, published, failed, parked, skipped } */
  summary?: { found: number; published: number; failed: number; parked?: number; skipped?: number };
  /** The sweeper's function error, when the invocation failed. */
  error?: string;
}

/**
 * Puts every parked row of `outbox` back to PENDING with its attempts reset (conditional on it still being
 * PARKED), for the sweeper to publish once the cause is fixed. Returns how many it moved.
 */
export async function unparkRows(ctx: Context, outbox: OutboxInfo): Promise<number> {
  let moved = 0;
  let ExclusiveStartKey: QueryCommandInput['ExclusiveStartKey'];
  do {
    const page = await ctx.clients.dynamodb.send(
      new QueryCommand({
        TableName: outbox.tableName,
        IndexName: OUTBOX_TABLE.parkedIndex,
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'parked' },
        ExpressionAttributeValues: { ':p': { S: PARKED } },
        ProjectionExpression: 'event_id',
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await ctx.clients.dynamodb.send(
          new UpdateItemCommand({
            TableName: outbox.tableName,
            Key: { event_id: item.event_id! },
            UpdateExpression: 'SET #s = :pending, #pending = :pending, attempts = :zero REMOVE #parked, parked_at',
            ConditionExpression: '#s = :parked',
            ExpressionAttributeNames: { '#s': 'status', '#pending': 'pending', '#parked': 'parked' },
            ExpressionAttributeValues: { ':pending': { S: PENDING }, ':parked': { S: PARKED }, ':zero': { N: '0' } },
          }),
        );
        moved += 1;
      } catch (error) {
        // unparked (or published) by someone else meanwhile
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return moved;
}

/**
 * Invokes each outbox's deployed sweeper (the CLI never needs publish rights), which republishes PENDING
 * rows older than its SWEEP_AFTER_SECONDS with their stored event_id and marks them PUBLISHED. With
 * `parked`, parked rows are first put back to PENDING (once their cause is fixed).
 *
 * @example
 * const results = await outboxRetry(ctx, { service: 'shipping', parked: true });
 */
export async function outboxRetry(ctx: Context, options: { service?: string; olderThanSeconds?: number; parked?: boolean } = {}): Promise<OutboxRetryResult[]> {
  const outboxes = byService((await ctx.deployment()).outboxes, options.service, 'an outbox');
  const results: OutboxRetryResult[] = [];
  for (const o of outboxes) {
    const unparked = options.parked ? await unparkRows(ctx, o) : undefined;
    const cutoff = () => ctx.now() - (options.olderThanSeconds ?? 0) * 1000;
    const before = await pendingRows(ctx, o, options.olderThanSeconds === undefined ? undefined : cutoff());
    const config = await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: o.sweeperFunctionName }));
    const sweepAfterSeconds = Number(config.Environment?.Variables?.SWEEP_AFTER_SECONDS ?? 60);
    const result: OutboxRetryResult = { service: o.service, sweeperFunctionName: o.sweeperFunctionName, sweepAfterSeconds, pendingBefore: before.count, pendingAfter: before.count, ...(unparked === undefined ? {} : { unparked }) };
    if (before.count > 0) {
      const invoked = await invokeJson(ctx, o.sweeperFunctionName, { source: 'courier-cli', olderThanSeconds: options.olderThanSeconds });
      if (invoked.error) result.error = invoked.error;
      else result.summary = invoked.payload as OutboxRetryResult['summary'];
      result.pendingAfter = (await pendingRows(ctx, o, options.olderThanSeconds === undefined ? undefined : cutoff())).count;
    }
    results.push(result);
  }
  return results;
}

/** Synchronous Lambda invoke; a function error comes back as `error` (its errorType: errorMessage). */
export async function invokeJson(ctx: Context, functionName: string, payload: unknown): Promise<{ payload?: unknown; error?: string }> {
  const out = await ctx.clients.lambda.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload ?? {})) }),
  );
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (out.FunctionError) {
    const e = body as { errorType?: string; errorMessage?: string } | undefined;
    return { error: `${out.FunctionError}: ${e?.errorType ?? ''}${e?.errorMessage ? `: ${e.errorMessage}` : typeof body === 'string' ? body : ''}` };
  }
  return { payload: body };
}

/**
 * The lines `courier outbox retry` prints, one per outbox; pass the same `olderThanSeconds` as the retry.
 *
 * @example
 * ctx.out.out(renderOutboxRetry(await outboxRetry(ctx, { olderThanSeconds: 300 }), 300));
 */
export function renderOutboxRetry(results: OutboxRetryResult[], olderThanSeconds?: number): string {
  return results
    .map((r) => {
      const scope = olderThanSeconds === undefined ? 'pending' : `pending > ${olderThanSeconds}s`;
      if (r.pendingBefore === 0) return `${r.service}: ${r.unparked === undefined ? '' : `${r.unparked} parked row(s) put back to pending; `}no rows ${scope}; sweeper not invoked`;
      const what = r.error
        ? `sweeper failed: ${r.error}`
        : `sweeper found ${r.summary?.found ?? '?'}, published ${r.summary?.published ?? '?'}, failed ${r.summary?.failed ?? '?'}${r.summary?.parked ? `, parked ${r.summary.parked}` : ''}`;
      const note = r.pendingAfter > 0 ? ` (the sweeper leaves rows younger than its SWEEP_AFTER_SECONDS=${r.sweepAfterSeconds}s to the relay; run again later)` : '';
      const unparked = r.unparked === undefined ? '' : `${r.unparked} parked row(s) put back to pending; `;
      return `${r.service}: ${unparked}${scope} ${r.pendingBefore} → ${r.pendingAfter}; ${what}${note}`;
    })
    .join('\n');
}

export const outboxGroup: Group = {
  name: 'outbox',
  summary: 'Transactional outboxes: rows written but not yet published, and republishing them.',
  commands: [
    {
      name: 'outbox status',
      summary: 'per service: pending (unpublished) rows, age of the oldest, relay DLQ depth, parked rows with their reasons',
      options: {
        service: { type: 'string', value: 'S', description: 'only service S' },
        'older-than': { type: 'string', value: 'SECONDS', description: 'also count rows pending longer than SECONDS' },
        json: JSON_OPTION,
      },
      async run(ctx, parsed) {
        const rows = await outboxStatus(ctx, { service: stringOption(parsed, 'service'), olderThanSeconds: intOption(parsed, 'older-than', undefined, 0) });
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(rows, null, 2) : renderOutboxStatus(rows));
        return EXIT.ok;
      },
    },
    {
      name: 'outbox retry',
      summary: "republish pending rows now by invoking each outbox's sweeper function",
      options: {
        service: { type: 'string', value: 'S', description: 'only service S' },
        'older-than': { type: 'string', value: 'SECONDS', description: "republish rows pending longer than SECONDS (default: the sweeper's own SWEEP_AFTER_SECONDS)" },
        parked: { type: 'boolean', description: 'first put parked rows back to pending (once the cause is fixed), attempts reset' },
        json: JSON_OPTION,
      },
      details:
        'The sweeper republishes with the stored event_id, so consumers that already got an event treat it as a duplicate. The CLI needs lambda:InvokeFunction (and, with --parked, dynamodb:Query/UpdateItem on the outbox table), not publish rights.',
      async run(ctx, parsed) {
        const olderThanSeconds = intOption(parsed, 'older-than', undefined, 0);
        const results = await outboxRetry(ctx, { service: stringOption(parsed, 'service'), olderThanSeconds, parked: flag(parsed, 'parked') });
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(results, null, 2) : renderOutboxRetry(results, olderThanSeconds));
        return results.some((r) => r.error) ? EXIT.failure : EXIT.ok;
      },
    },
  ] satisfies Command[],
};
