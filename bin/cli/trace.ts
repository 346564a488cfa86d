import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { flag, JSON_OPTION, type Command } from './args.js';
import { EXIT, type Context } from './context.js';
import { peekDlq, type DlqMessage } from './dlq-messages.js';
import type { ConsumerInfo, Deployment } from './discovery.js';
import { queueDepth } from './dlq.js';
import { scanStore, type FailedRow } from './failed.js';
import { formatAge, iso } from './format.js';
import type { TraceSubject } from './plugins.js';
import { scanItems } from './scan.js';
import { traceIdOfDetail } from '../../functions/contracts/trace-context.js';

/** Published rows and deliveries younger than this are "in flight", not a problem. */
const IN_FLIGHT_MS = 60_000;

/** What one receiving consumer's idempotency record says about an event: done, running (with its lease), abandoned, or never seen. */
export interface ConsumerRecord {
  consumer: string;
  /** The idempotency record `<consumer>#<event_id>`. */
  record: 'COMPLETED' | 'IN_PROGRESS' | 'LEASE_EXPIRED' | 'NONE';
  leaseExpiresAt?: string;
}

/** One event of a trace: where it was found, whether it went out, and what each receiving consumer made of it. */
export interface TracedEvent {
  eventId: string;
  detailType: string;
  source?: string;
  /** Where the CLI found it: an outbox row, a failed-message row, or only a DLQ message. */
  origin: 'outbox' | 'failed-messages' | 'dlq';
  service?: string;
  /** The outbox row's or failed-message row's status; UNKNOWN for an event seen only in a DLQ. */
  status: 'PENDING' | 'PUBLISHED' | 'DUE' | 'PARKED' | 'UNKNOWN';
  createdAt?: string;
  publishedAt?: string;
  /** The X-Ray trace id the event carries (its `traceparent`): open it in the X-Ray / CloudWatch console. */
  traceId?: string;
  /** The idempotency record of each consumer that receives its detail-type. */
  consumers: ConsumerRecord[];
}

/** A DLQ message that belongs to the traced events, with the consumer and kind of DLQ it sits in (body left out). */
export interface TracedDlqMessage {
  consumer: string;
  kind: 'dlq' | 'target-dlq';
  message: Omit<DlqMessage, 'body'>;
}

/** One line of a trace's timeline; a trace plugin returns its own (`TraceSubject.timeline`). */
export interface TimelineEntry {
  /** ISO time of the fact, when known. */
  at?: string;
  /** The time is the event's publish/creation time, not the moment of this fact (idempotency records carry none). */
  approximate?: boolean;
  /** The fact, in one line. */
  what: string;
}

/** What `trace` found for one key: the events, DLQ messages and failed rows about it, one timeline, a diagnosis. */
export interface TraceResult {
  /** The event id or business key traced. */
  key: string;
  /** The app's record the trace is about (from a trace plugin), when there is one. */
  subject?: { label: string; record?: Record<string, unknown> };
  events: TracedEvent[];
  dlq: TracedDlqMessage[];
  failed: FailedRow[];
  timeline: TimelineEntry[];
  /** Every problem found, most important first; the diagnosis is the first (or the all-clear). */
  problems: string[];
  diagnosis: string;
  /** What the trace could not see or how it searched. */
  notes: string[];
}

type OutboxHit = { service: string; row: Record<string, unknown> };

/** Outbox rows whose event_id is the key or whose detail mentions it (a Scan with a filter: fine for an ops tool, not for a hot path). */
async function outboxRows(ctx: Context, deployment: Deployment, key: string): Promise<OutboxHit[]> {
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

const withTraceId = (detail: unknown): { traceId?: string } => {
  const traceId = traceIdOfDetail(detail);
  return traceId ? { traceId } : {};
};

/** One outbox row by its event id (a key lookup in each outbox table). */
async function outboxRow(ctx: Context, deployment: Deployment, eventId: string): Promise<OutboxHit | undefined> {
  for (const o of deployment.outboxes) {
    const { Item } = await ctx.clients.dynamodb.send(new GetItemCommand({ TableName: o.tableName, Key: marshall({ event_id: eventId }), ConsistentRead: true }));
    if (Item) return { service: o.service, row: unmarshall(Item) };
  }
  return undefined;
}

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

/** The first plugin that knows `key`. */
async function lookupSubject(ctx: Context, key: string): Promise<TraceSubject | undefined> {
  for (const plugin of ctx.plugins) {
    const subject = await plugin.trace?.lookup(ctx, key);
    if (subject) return subject;
  }
  return undefined;
}

/** The business key a plugin reads from an event (its order id…), if any plugin does. */
function businessKeyOf(ctx: Context, row: Record<string, unknown>): string | undefined {
  let detail: Record<string, unknown>;
  try {
    detail = JSON.parse(String(row.detail ?? '{}'));
  } catch {
    return undefined;
  }
  for (const plugin of ctx.plugins) {
    const key = plugin.trace?.keyOf?.({ detailType: String(row.detail_type), detail });
    if (key) return key;
  }
  return undefined;
}

/**
 * One timeline for an event id — or, with an app's trace plugin, for a business key (an order id):
 * the app's record, the outbox rows and publish times of its events, each receiving consumer's
 * idempotency record, DLQ messages about it, failed-message rows; and a one-line diagnosis.
 *
 * @example
 * const t = await trace(ctx, 'ord_1042');
 * console.log(t.diagnosis);
 * const stuck = t.events.filter((e) => e.status === 'PENDING');
 */
export async function trace(ctx: Context, key: string): Promise<TraceResult> {
  const deployment = await ctx.deployment();
  const now = ctx.now();
  const notes: string[] = ['outbox tables are scanned with a filter on detail (fine for an ops tool; published rows expire after 7 days)'];

  // A business key a plugin knows, or an event id: then the event's business key, when a plugin reads one.
  let subject = await lookupSubject(ctx, key);
  let search = key;
  if (!subject) {
    const own = await outboxRow(ctx, deployment, key);
    const business = own && businessKeyOf(ctx, own.row);
    if (business) {
      subject = await lookupSubject(ctx, business);
      search = business;
      notes.push(`${key} is event ${String(own.row.detail_type)} about ${business}; traced ${business}`);
    }
  }
  const rows = await outboxRows(ctx, deployment, search);

  const failedRows = (
    await Promise.all(
      deployment.failedMessages.map((s) =>
        scanStore(ctx, s, {
          FilterExpression: 'contains(#e, :k) OR event_id = :k',
          ExpressionAttributeNames: { '#e': 'entry' },
          ExpressionAttributeValues: { ':k': { S: search } },
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
      ...withTraceId(row.detail),
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
  const dlqHits: TracedDlqMessage[] = [];
  const eventIds = new Set([...events.keys(), key]);
  await Promise.all(
    deployment.consumers.flatMap((c) =>
      (['dlq', 'target-dlq'] as const).map(async (kind) => {
        const url = kind === 'dlq' ? c.dlqUrl : c.targetDlqUrl;
        const { depth } = await queueDepth(ctx.clients.sqs, url, now, false);
        if (depth === 0) return;
        for (const m of await peekDlq(ctx.clients.sqs, url, Math.min(depth, 200))) {
          if ((m.eventId && eventIds.has(m.eventId)) || m.businessKey === search || m.body.includes(search)) {
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
  const problems = [...diagnose({ events: ordered, dlq: dlqHits, failed: failedRows, now }), ...(subject?.problems ?? [])];
  const timeline = buildTimeline(subject, ordered, dlqHits, failedRows, now);
  notes.push(...(subject?.notes ?? []));
  if (!subject && ctx.plugins.length === 0) notes.push('no trace plugin registered (cdk.json context.courier.plugins): only event ids and keys inside event details are traced');
  const allClear = ordered.length > 0 && problems.length === 0;
  const diagnosis =
    problems[0] ??
    (allClear
      ? `all consumers completed${subject?.state ? `; ${subject.state}` : ''}`
      : subject
        ? `${subject.label}${subject.state ? ` ${subject.state}` : ''} but no outbox row mentions it (rows expire 7 days after publishing)`
        : `nothing found for ${key}: no event with that id or mentioning it in any outbox, failed-message store or consumer DLQ${ctx.plugins.length ? ', and no plugin knows it' : ''}`);
  return {
    key,
    ...(subject ? { subject: { label: subject.label, ...(subject.record ? { record: subject.record } : {}) } } : {}),
    events: ordered,
    dlq: dlqHits,
    failed: failedRows,
    timeline,
    problems,
    diagnosis,
    notes,
  };
}

function diagnose(s: { events: TracedEvent[]; dlq: TracedDlqMessage[]; failed: FailedRow[]; now: number }): string[] {
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

function buildTimeline(subject: TraceSubject | undefined, events: TracedEvent[], dlq: TracedDlqMessage[], failed: FailedRow[], now: number): TimelineEntry[] {
  const t: TimelineEntry[] = [...(subject?.timeline ?? [])];
  for (const e of events) {
    if (e.origin === 'outbox') {
      t.push({ at: e.createdAt, what: `${e.service} outbox: ${e.detailType} ${e.eventId} written${e.traceId ? ` (trace ${e.traceId})` : ''}` });
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

/**
 * The text `courier trace` prints: the timeline (times marked ~ are approximate), problems, notes and
 * the diagnosis.
 *
 * @example
 * ctx.out.out(renderTrace(await trace(ctx, 'ord_1042')));
 */
export function renderTrace(r: TraceResult): string {
  const lines = [`trace ${r.key}${r.subject ? ` (${r.subject.label})` : ''}`, ''];
  for (const e of r.timeline) lines.push(`${e.at ?? '?'.padEnd(24)}${e.approximate ? '~' : ' '} ${e.what}`);
  if (r.timeline.length === 0) lines.push('(nothing found)');
  if (r.problems.length > 1) lines.push('', 'problems:', ...r.problems.map((p) => `  - ${p}`));
  lines.push('', ...r.notes.map((n) => `note: ${n}`), '', `diagnosis: ${r.diagnosis}`);
  return lines.join('\n');
}

export const traceCommand: Command = {
  name: 'trace',
  summary: "one timeline for an event id (or a business key an app's plugin knows): outbox rows, consumer records, DLQs; ends with a diagnosis",
  args: ['<event-id|key>'],
  options: { json: JSON_OPTION },
  details: 'Times marked ~ are the event\'s publish time: idempotency records carry no timestamp of their own.',
  async run(ctx, parsed) {
    const result = await trace(ctx, parsed.positionals[0]!);
    ctx.out.out(flag(parsed, 'json') ? JSON.stringify(result, null, 2) : renderTrace(result));
    return result.events.length === 0 && !result.subject ? EXIT.failure : EXIT.ok;
  },
};
