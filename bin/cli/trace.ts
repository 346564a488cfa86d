import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { flag, JSON_OPTION, type Command } from './args.js';
import { EXIT, type Context } from './context.js';
import { peekDlq, type DlqMessage } from './dlq-messages.js';
import type { ConsumerInfo, Deployment } from './discovery.js';
import { queueDepth } from './dlq.js';
import { scanStore, type FailedRow } from './failed.js';
import { formatAge, iso } from './format.js';
import { scanItems } from './scan.js';

/** Published rows and deliveries younger than this are "in flight", not a problem. */
const IN_FLIGHT_MS = 60_000;

export interface ConsumerRecord {
  consumer: string;
  /** The idempotency record `<consumer>#<event_id>`. */
  record: 'COMPLETED' | 'IN_PROGRESS' | 'LEASE_EXPIRED' | 'NONE';
  leaseExpiresAt?: string;
}

export interface TracedEvent {
  eventId: string;
  detailType: string;
  source?: string;
  /** Where the CLI found it: an outbox row, a failed-message row, or only a DLQ message. */
  origin: 'outbox' | 'failed-messages' | 'dlq';
  service?: string;
  status: 'PENDING' | 'PUBLISHED' | 'DUE' | 'PARKED' | 'UNKNOWN';
  createdAt?: string;
  publishedAt?: string;
  consumers: ConsumerRecord[];
}

export interface TracedDlqMessage {
  consumer: string;
  kind: 'dlq' | 'target-dlq';
  message: Omit<DlqMessage, 'body'>;
}

export interface TimelineEntry {
  at?: string;
  /** The time is the event's publish/creation time, not the moment of this fact (idempotency records carry none). */
  approximate?: boolean;
  what: string;
}

export interface TraceResult {
  key: string;
  orderId?: string;
  order?: Record<string, unknown>;
  events: TracedEvent[];
  dlq: TracedDlqMessage[];
  failed: FailedRow[];
  timeline: TimelineEntry[];
  /** Every problem found, most important first; the diagnosis is the first (or the all-clear). */
  problems: string[];
  diagnosis: string;
  notes: string[];
}

function ordersTable(deployment: Deployment): string | undefined {
  const stacks = Object.entries(deployment.outputs).sort(([a], [b]) => (a === 'CourierOrders' ? -1 : b === 'CourierOrders' ? 1 : a.localeCompare(b)));
  return stacks.map(([, o]) => o.OrdersTable).find(Boolean);
}

/** Outbox rows whose event_id is the key or whose detail mentions it (a Scan with a filter: fine for an ops tool, not for a hot path). */
async function outboxRows(ctx: Context, deployment: Deployment, key: string) {
  const perTable = await Promise.all(
    deployment.outboxes.map(async (o) =>
      (
        await scanItems(ctx.clients.dynamodb, o.tableName, {
          FilterExpression: 'contains(#d, :k) OR event_id = :k',
          ExpressionAttributeNames: { '#d': 'detail' },
          ExpressionAttributeValues: { ':k': { S: key } },
        })
      ).map((row) => ({ service: o.service, row })),
    ),
  );
  return perTable.flat();
}

const orderIdOf = (detail: string | undefined): string | undefined => {
  try {
    const v = (JSON.parse(detail ?? '{}') as { order_id?: unknown }).order_id;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
};

async function idempotencyRecord(ctx: Context, consumer: ConsumerInfo, eventId: string, now: number): Promise<ConsumerRecord> {
  const { Item } = await ctx.clients.dynamodb.send(
    new GetItemCommand({ TableName: consumer.idempotencyTableName, Key: marshall({ id: `${consumer.name}#${eventId}` }), ConsistentRead: true }),
  );
  const item = Item ? unmarshall(Item) : undefined;
  // TTL deletion lags: an item past expires_at counts as absent, as the runtime reads it
  if (!item || (item.expires_at !== undefined && Number(item.expires_at) * 1000 <= now)) return { consumer: consumer.name, record: 'NONE' };
  if (item.status === 'COMPLETED') return { consumer: consumer.name, record: 'COMPLETED' };
  const lease = Number(item.lease_expires_at ?? 0);
  return { consumer: consumer.name, record: lease <= now ? 'LEASE_EXPIRED' : 'IN_PROGRESS', leaseExpiresAt: iso(lease) };
}

/**
 * One timeline for a business key (order id) or an event id: the order, its outbox rows and publish
 * times, each receiving consumer's idempotency record, DLQ messages about it, failed-message rows; and
 * a one-line diagnosis.
 */
export async function trace(ctx: Context, key: string): Promise<TraceResult> {
  const deployment = await ctx.deployment();
  const now = ctx.now();
  const notes: string[] = ['outbox tables are scanned with a filter on detail (fine for an ops tool; published rows expire after 7 days)'];
  const table = ordersTable(deployment);
  const readOrder = async (id: string) => {
    if (!table) return undefined;
    const { Item } = await ctx.clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${id}` }), ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  };

  let orderId: string | undefined;
  let order = await readOrder(key);
  if (order) orderId = key;
  let rows = await outboxRows(ctx, deployment, key);
  if (!order) {
    // an event id: follow it to its order and trace that
    const own = rows.find((r) => r.row.event_id === key);
    const viaEvent = orderIdOf(own?.row.detail as string | undefined);
    if (viaEvent) {
      orderId = viaEvent;
      order = await readOrder(viaEvent);
      rows = await outboxRows(ctx, deployment, viaEvent);
      notes.push(`${key} is event ${String(own!.row.detail_type)}; traced its order ${viaEvent}`);
    }
  }
  if (!table) notes.push('no OrdersTable output: order state not shown');
  const subject = orderId ?? key;

  const failedRows = (
    await Promise.all(
      deployment.failedMessages.map((s) =>
        scanStore(ctx, s, {
          FilterExpression: 'contains(#e, :k) OR event_id = :k',
          ExpressionAttributeNames: { '#e': 'entry' },
          ExpressionAttributeValues: { ':k': { S: subject } },
        }),
      ),
    )
  ).flat();

  const events = new Map<string, TracedEvent>();
  for (const { service, row } of rows) {
    events.set(String(row.event_id), {
      eventId: String(row.event_id),
      detailType: String(row.detail_type),
      source: String(row.source),
      origin: 'outbox',
      service,
      status: row.status === 'PUBLISHED' || row.status === 'PARKED' ? row.status : 'PENDING',
      ...(row.created_at !== undefined ? { createdAt: iso(Number(row.created_at)) } : {}),
      ...(row.published_at !== undefined ? { publishedAt: iso(Number(row.published_at)) } : {}),
      consumers: [],
    });
  }
  for (const f of failedRows) {
    if (events.has(f.eventId)) continue;
    events.set(f.eventId, {
      eventId: f.eventId,
      detailType: f.detailType ?? '?',
      ...(f.source ? { source: f.source } : {}),
      origin: 'failed-messages',
      service: f.service,
      status: f.status === 'PARKED' ? 'PARKED' : 'DUE',
      consumers: [],
    });
  }

  // DLQ messages about this key, in every consumer's DLQs: a poisoned event may exist nowhere else (published
  // directly, never in an outbox). Empty queues cost one GetQueueAttributes each and are not peeked.
  const candidates = deployment.consumers;
  const dlqHits: TracedDlqMessage[] = [];
  const eventIds = new Set([...events.keys(), key]);
  await Promise.all(
    candidates.flatMap((c) =>
      (['dlq', 'target-dlq'] as const).map(async (kind) => {
        const url = kind === 'dlq' ? c.dlqUrl : c.targetDlqUrl;
        const { depth } = await queueDepth(ctx.clients.sqs, url, now, false);
        if (depth === 0) return;
        for (const m of await peekDlq(ctx.clients.sqs, url, Math.min(depth, 200))) {
          if ((m.eventId && eventIds.has(m.eventId)) || m.businessKey === subject || m.body.includes(subject)) {
            const { body: _body, ...message } = m;
            dlqHits.push({ consumer: c.name, kind, message });
          }
        }
      }),
    ),
  );
  for (const hit of dlqHits) {
    const id = hit.message.eventId;
    if (id && !events.has(id)) {
      events.set(id, { eventId: id, detailType: hit.message.detailType ?? '?', origin: 'dlq', status: 'UNKNOWN', consumers: [] });
    }
  }

  // every consumer that should receive each event, and its idempotency record
  for (const e of events.values()) {
    const receivers = deployment.consumers.filter((c) => c.detailTypes.includes(e.detailType));
    e.consumers = await Promise.all(receivers.map((c) => idempotencyRecord(ctx, c, e.eventId, now)));
  }

  const ordered = [...events.values()].sort((a, b) => (a.createdAt ?? a.publishedAt ?? '9').localeCompare(b.createdAt ?? b.publishedAt ?? '9'));
  const problems = diagnose({ order, orderId, events: ordered, dlq: dlqHits, failed: failedRows, now, key });
  const timeline = buildTimeline(order, ordered, dlqHits, failedRows, now);
  if (ordered.some((e) => e.detailType === 'order.created.v1') && !ordered.some((e) => e.detailType.startsWith('risk.'))) {
    notes.push('risk.assessed is published directly (publishOrStore), not through an outbox: it shows here only if it failed; the order\'s risk fields show whether it arrived');
  }
  const allClear = ordered.length > 0 && problems.length === 0;
  const diagnosis =
    problems[0] ??
    (allClear
      ? `all consumers completed${order ? `; order ${String(order.status)}${order.status_reason ? ` (${String(order.status_reason)})` : ''}` : ''}`
      : order
        ? `order ${String(order.status)} but no outbox row mentions it (rows expire 7 days after publishing)`
        : `nothing found for ${key}: not an order id or event id in the orders table, any outbox, failed-message store or consumer DLQ`);
  return {
    key,
    ...(orderId ? { orderId } : {}),
    ...(order ? { order: Object.fromEntries(Object.entries(order).filter(([k]) => k !== 'pk')) } : {}),
    events: ordered,
    dlq: dlqHits,
    failed: failedRows,
    timeline,
    problems,
    diagnosis,
    notes,
  };
}

function diagnose(s: { order?: Record<string, unknown>; orderId?: string; events: TracedEvent[]; dlq: TracedDlqMessage[]; failed: FailedRow[]; now: number; key: string }): string[] {
  const found: { rank: number; text: string }[] = [];
  const add = (rank: number, text: string) => found.push({ rank, text });
  const name = (e: TracedEvent) => `${e.detailType} ${e.eventId}`;
  const age = (at?: string) => (at ? s.now - Date.parse(at) : Infinity);
  for (const hit of s.dlq) {
    const m = hit.message;
    const e = s.events.find((x) => x.eventId === m.eventId);
    const record = e?.consumers.find((c) => c.consumer === hit.consumer)?.record ?? 'NONE';
    const what = `${m.detailType ?? 'event'} ${m.eventId ?? m.businessKey ?? '(no event_id)'}`;
    if (hit.kind === 'target-dlq') add(1, `EventBridge could not deliver ${what} to ${hit.consumer}'s queue (target DLQ): ${m.errorMessage}`);
    else if (record === 'COMPLETED') add(6, `${hit.consumer} completed ${what} but a copy sits in its DLQ (${m.errorClass}): a duplicate delivery; redriving it is harmless`);
    else add(1, `${hit.consumer} has no record of ${what} and its DLQ holds it: ${m.errorClass}: ${m.errorMessage}`);
  }
  for (const e of s.events) {
    for (const c of e.consumers) {
      if (c.record === 'LEASE_EXPIRED') add(2, `${c.consumer} is in progress on ${name(e)} past its lease (${c.leaseExpiresAt}): consumer crashed or timed out; the redelivery takes the claim over`);
    }
    if (e.origin === 'outbox' && e.status === 'PARKED') add(2, `outbox row ${name(e)} parked: the bus refused it or every sweep failed; see \`courier outbox status --service ${e.service}\`, fix, then \`courier outbox retry --parked --service ${e.service}\``);
    if (e.status === 'PENDING' && age(e.createdAt) > IN_FLIGHT_MS) {
      add(3, `outbox row ${name(e)} never published (pending ${formatAge(age(e.createdAt) / 1000)}): relay not running? try \`courier outbox retry --service ${e.service}\``);
    }
  }
  for (const f of s.failed) {
    if (f.status === 'PARKED') add(3, `${f.detailType ?? '?'} ${f.eventId} parked in the ${f.service} failed-message store after ${f.attempts} attempt(s): ${f.error}; fix, then \`courier failed retry --event-id ${f.eventId}\``);
    else add(5, `${f.detailType ?? '?'} ${f.eventId} failed to publish (attempt ${f.attempts}: ${f.error}); the retrier tries again at ${f.nextAttemptAt ?? '?'}`);
  }
  for (const e of s.events) {
    if (e.status !== 'PUBLISHED') continue;
    for (const c of e.consumers) {
      const inDlq = s.dlq.some((d) => d.consumer === c.consumer && d.message.eventId === e.eventId);
      if (c.record !== 'NONE' || inDlq) continue;
      if (age(e.publishedAt) > IN_FLIGHT_MS) {
        add(4, `${c.consumer} has no record of ${name(e)} and nothing in its DLQs: still in its queue being retried, or never delivered (check \`courier dlq list\` and the queue's oldest-message age)`);
      } else add(7, `${name(e)} published ${formatAge(age(e.publishedAt) / 1000)} ago: ${c.consumer} has not processed it yet (in flight)`);
    }
  }
  for (const e of s.events) {
    for (const c of e.consumers) if (c.record === 'IN_PROGRESS') add(7, `${c.consumer} is processing ${name(e)} now (lease until ${c.leaseExpiresAt})`);
    if (e.status === 'PENDING' && age(e.createdAt) <= IN_FLIGHT_MS) add(7, `outbox row ${name(e)} written ${formatAge(age(e.createdAt) / 1000)} ago, not yet published (in flight)`);
  }
  return found.sort((a, b) => a.rank - b.rank).map((p) => p.text);
}

/** What inventory and points reported they undid for a cancelled order (inventory.released.v1, points.revoked.v1). */
function compensated(order: Record<string, unknown>): string | undefined {
  const lines = order.released_lines as { sku: string; qty: number }[] | undefined;
  const parts = [
    lines === undefined ? undefined : `stock released (${lines.map((l) => `${l.sku} × ${l.qty}`).join(', ') || 'nothing held'})`,
    order.revoked_points === undefined ? undefined : `points revoked (${String(order.revoked_points)})`,
  ].filter(Boolean);
  return parts.length > 0 ? `compensated: ${parts.join(', ')}` : undefined;
}

function buildTimeline(order: Record<string, unknown> | undefined, events: TracedEvent[], dlq: TracedDlqMessage[], failed: FailedRow[], now: number): TimelineEntry[] {
  const t: TimelineEntry[] = [];
  if (order) {
    t.push({ at: String(order.created_at), what: `order ${String(order.order_id)} placed by ${String(order.user_id)}: ${String(order.total_minor)} ${String(order.currency)} minor units` });
    const facts = [
      `status ${String(order.status)}${order.status_reason ? ` (${String(order.status_reason)})` : ''}`,
      order.stock ? `stock ${String(order.stock)}${order.stock_reason ? ` (${String(order.stock_reason)})` : ''}` : undefined,
      order.risk_decision ? `risk ${String(order.risk_decision)}${order.risk_score !== undefined ? ` (${String(order.risk_score)})` : ''}` : 'risk -',
      order.points !== undefined ? `points ${String(order.points)}` : undefined,
      compensated(order),
      `version ${String(order.version)}`,
    ].filter(Boolean);
    t.push({ at: String(order.updated_at), what: `order now: ${facts.join(', ')}` });
  }
  for (const e of events) {
    if (e.origin === 'outbox') {
      t.push({ at: e.createdAt, what: `${e.service} outbox: ${e.detailType} ${e.eventId} written` });
      if (e.publishedAt) t.push({ at: e.publishedAt, what: `${e.detailType} ${e.eventId} published to the bus` });
      else t.push({ at: iso(now), what: `${e.detailType} ${e.eventId} ${e.status === 'PARKED' ? 'PARKED (not published)' : 'still PENDING'} in the ${e.service} outbox` });
    }
    for (const c of e.consumers) {
      const state =
        c.record === 'COMPLETED'
          ? 'completed'
          : c.record === 'IN_PROGRESS'
            ? `in progress (lease until ${c.leaseExpiresAt})`
            : c.record === 'LEASE_EXPIRED'
              ? `IN PROGRESS PAST ITS LEASE (${c.leaseExpiresAt})`
              : 'no idempotency record';
      t.push({ at: e.publishedAt ?? e.createdAt, approximate: true, what: `  ${c.consumer}: ${e.detailType} ${state}` });
    }
  }
  for (const f of failed) {
    t.push({ at: f.parkedAt ?? f.nextAttemptAt, what: `${f.service} failed-message store: ${f.detailType ?? '?'} ${f.eventId} ${f.status} after ${f.attempts} attempt(s): ${f.error}` });
  }
  for (const d of dlq) {
    const m = d.message;
    t.push({ at: m.firstFailedAt ?? m.sentAt, what: `${d.consumer} ${d.kind}: ${m.detailType ?? '?'} ${m.eventId ?? ''} ${m.errorClass}: ${m.errorMessage} (received ${m.receiveCount}×)` });
  }
  // stable sort by time; consumer records stay right after their event's publish entry
  return t.map((e, i) => ({ e, i })).sort((a, b) => (a.e.at ?? '').localeCompare(b.e.at ?? '') || a.i - b.i).map(({ e }) => e);
}

export function renderTrace(r: TraceResult): string {
  const lines = [`trace ${r.key}${r.orderId && r.orderId !== r.key ? ` (order ${r.orderId})` : ''}`, ''];
  for (const e of r.timeline) lines.push(`${e.at ?? '?'.padEnd(24)}${e.approximate ? '~' : ' '} ${e.what}`);
  if (r.timeline.length === 0) lines.push('(nothing found)');
  if (r.problems.length > 1) lines.push('', 'problems:', ...r.problems.map((p) => `  - ${p}`));
  lines.push('', ...r.notes.map((n) => `note: ${n}`), '', `diagnosis: ${r.diagnosis}`);
  return lines.join('\n');
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'one timeline for an order id or event id: order state, outbox rows, consumer records, DLQs; ends with a diagnosis',
  args: ['<order-id|event-id>'],
  options: { json: JSON_OPTION },
  details: 'Times marked ~ are the event\'s publish time: idempotency records carry no timestamp of their own.',
  async run(ctx, parsed) {
    const result = await trace(ctx, parsed.positionals[0]!);
    ctx.out.out(flag(parsed, 'json') ? JSON.stringify(result, null, 2) : renderTrace(result));
    return result.events.length === 0 && !result.order ? EXIT.failure : EXIT.ok;
  },
};
