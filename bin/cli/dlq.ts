import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { flag, intOption, JSON_OPTION, stringOption, type Command, type Group, type Parsed } from './args.js';
import { CliError, EXIT, UsageError, type Context } from './context.js';
import type { ConsumerInfo } from './discovery.js';
import { describeDlqMessage, describeFilter, groupByErrorClass, matchesFilter, peekDlq, type DlqMessage, type MessageFilter } from './dlq-messages.js';
import { formatAge, iso, progressBar, queueName, table, truncate } from './format.js';
import { horizonCheck, type Redelivery } from './horizon.js';
import { deleteMessages, moveMessages, type MessageFailure } from './move-messages.js';
import { DEFAULT_QUIET_MINUTES, redriveGuard, type AlarmState, type RedriveGuard } from './redrive-guard.js';
import { resolveDlq, type DlqTarget } from './resolve.js';

// ---------------------------------------------------------------- queue facts

/** How full a queue is: messages waiting, messages being handled, and the age of the oldest. */
export interface QueueDepth {
  /** Messages waiting (ApproximateNumberOfMessages). */
  depth: number;
  /** Messages received and not yet deleted or released (ApproximateNumberOfMessagesNotVisible). */
  inFlight: number;
  /** Seconds; from ApproximateAgeOfOldestMessage when the engine reports it, else from a peeked SentTimestamp. */
  oldestAgeSeconds?: number;
  ageSource?: 'attribute' | 'peek';
}

/**
 * A queue's depth, in-flight count and oldest message age. Engines that do not report the age (the local
 * engine) get it from the SentTimestamp of a few peeked messages unless `peekForAge` is false.
 *
 * @example
 * const { depth, oldestAgeSeconds } = await queueDepth(ctx.clients.sqs, consumer.dlqUrl, ctx.now());
 */
export async function queueDepth(sqs: SQSClient, url: string, now: number, peekForAge = true): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  const depth = Number(Attributes.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  const reported = (Attributes as Record<string, string | undefined>).ApproximateAgeOfOldestMessage;
  if (reported !== undefined && reported !== '') return { depth, inFlight, oldestAgeSeconds: Number(reported), ageSource: 'attribute' };
  if (depth === 0 || !peekForAge) return { depth, inFlight };
  const peeked = await peekDlq(sqs, url, Math.min(depth, 10));
  const sent = peeked.map((m) => (m.sentAt ? Date.parse(m.sentAt) : NaN)).filter(Number.isFinite);
  return sent.length ? { depth, inFlight, oldestAgeSeconds: (now - Math.min(...sent)) / 1000, ageSource: 'peek' } : { depth, inFlight };
}

// ---------------------------------------------------------------- dlq list

/** One dead-letter queue in `courier dlq list`: whose it is, which kind, and how full. */
export interface DlqListRow extends QueueDepth {
  /** A consumer's DLQ, its rule target's DLQ (EventBridge could not deliver), or an outbox relay's DLQ. */
  kind: 'dlq' | 'target-dlq' | 'relay-dlq';
  /** Consumer name, or `<service>-outbox` for a relay DLQ. */
  owner: string;
  service: string;
  queueName: string;
  url: string;
}

/**
 * Every dead-letter queue of the deployment: each consumer's DLQ and target DLQ, each outbox relay DLQ.
 *
 * @example
 * const full = (await dlqList(ctx)).filter((row) => row.depth > 0);
 */
export async function dlqList(ctx: Context): Promise<DlqListRow[]> {
  const d = await ctx.deployment();
  const queues: Omit<DlqListRow, keyof QueueDepth>[] = [
    ...d.consumers.flatMap((c) => [
      { kind: 'dlq' as const, owner: c.name, service: c.service, queueName: queueName(c.dlqUrl), url: c.dlqUrl },
      { kind: 'target-dlq' as const, owner: c.name, service: c.service, queueName: queueName(c.targetDlqUrl), url: c.targetDlqUrl },
    ]),
    ...d.outboxes.map((o) => ({ kind: 'relay-dlq' as const, owner: `${o.service}-outbox`, service: o.service, queueName: queueName(o.relayDlqUrl), url: o.relayDlqUrl })),
  ];
  const now = ctx.now();
  return Promise.all(queues.map(async (q) => ({ ...q, ...(await queueDepth(ctx.clients.sqs, q.url, now)) })));
}

/**
 * The table `courier dlq list` prints, with the next step when a queue holds messages.
 *
 * @example
 * ctx.out.out(renderDlqList(await dlqList(ctx)));
 */
export function renderDlqList(rows: DlqListRow[]): string {
  const total = rows.reduce((n, r) => n + r.depth, 0);
  return [
    table(
      ['OWNER', 'SERVICE', 'KIND', 'DEPTH', 'IN FLIGHT', 'OLDEST', 'QUEUE'],
      rows.map((r) => [r.owner, r.service, r.kind, r.depth, r.inFlight, r.depth > 0 ? formatAge(r.oldestAgeSeconds) : '-', r.queueName]),
    ),
    '',
    total === 0
      ? 'all dead-letter queues are empty'
      : `${total} message(s) in ${rows.filter((r) => r.depth > 0).length} queue(s); next: courier dlq show <owner>${rows.some((r) => r.kind === 'target-dlq' && r.depth > 0) ? ' [--target]' : ''}`,
  ].join('\n');
}

// ---------------------------------------------------------------- dlq show

/** What `courier dlq show` found in one dead-letter queue: its messages grouped by error class. */
export interface DlqShowResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  /** Messages in the queue. */
  depth: number;
  /** Messages read (at most the limit). */
  shown: number;
  /** The messages read by error class, largest group first. */
  groups: { errorClass: string; count: number; messages: DlqMessage[] }[];
}

/**
 * Reads up to `limit` messages (100 by default) of a consumer's DLQ — or its target DLQ with `target`, or
 * an outbox relay DLQ (`<service>-outbox`) — without consuming them, grouped by error class.
 *
 * @example
 * const shown = await dlqShow(ctx, 'shipping-dispatch', { limit: 50 });
 * for (const group of shown.groups) console.log(group.errorClass, group.count);
 */
export async function dlqShow(ctx: Context, wanted: string, options: { limit?: number; target?: boolean } = {}): Promise<DlqShowResult> {
  const dlq = resolveDlq(await ctx.deployment(), wanted, options.target);
  const { depth } = await queueDepth(ctx.clients.sqs, dlq.url, ctx.now(), false);
  const messages = depth === 0 ? [] : await peekDlq(ctx.clients.sqs, dlq.url, options.limit ?? 100);
  return {
    queue: { kind: dlq.kind, owner: dlq.owner, url: dlq.url, name: queueName(dlq.url) },
    depth,
    shown: messages.length,
    groups: groupByErrorClass(messages),
  };
}

const KIND_MEANING: Record<DlqTarget['kind'], string> = {
  dlq: 'consumer DLQ: quarantined by the runtime (courier.* reasons) or failed maxReceiveCount times',
  'target-dlq': 'target DLQ: EventBridge could not deliver these events to the queue',
  'relay-dlq': 'relay DLQ: outbox stream batches the relay could not process',
};

/**
 * The text `courier dlq show` prints: each error class with its reasons and messages, and what to do next.
 *
 * @example
 * ctx.out.out(renderDlqShow(await dlqShow(ctx, 'shipping-dispatch')));
 */
export function renderDlqShow(r: DlqShowResult): string {
  const lines = [`${r.queue.owner} ${r.queue.kind} ${r.queue.name}: ${r.depth} message(s), showing ${r.shown}`, `  (${KIND_MEANING[r.queue.kind]})`];
  if (r.shown === 0) return [...lines, '', 'nothing to show'].join('\n');
  for (const g of r.groups) {
    lines.push('', `${g.errorClass} × ${g.count}`);
    const reasons = new Map<string, number>();
    for (const m of g.messages) reasons.set(m.errorMessage, (reasons.get(m.errorMessage) ?? 0) + 1);
    for (const [reason, n] of reasons) lines.push(`  reason${n > 1 ? ` (×${n})` : ''}: ${truncate(reason, 300)}`);
    lines.push(
      table(
        ['  DETAIL-TYPE', 'EVENT_ID', 'KEY', 'FIRST FAILED', 'RECEIVES'],
        g.messages.map((m) => [`  ${m.detailType ?? '-'}`, m.eventId, m.businessKey, m.firstFailedAt ?? m.sentAt, m.receiveCount]),
      ),
    );
  }
  const classes = r.groups.map((g) => g.errorClass);
  lines.push('', hintFor(classes, r.queue.owner));
  return lines.join('\n');
}

function hintFor(classes: string[], owner: string): string {
  const hints: string[] = [];
  if (classes.some((c) => ['MalformedJson', 'NotAnEventBridgeEvent', 'UnknownDetailType', 'UnexpectedDetailType', 'ContractViolation'].includes(c))) {
    hints.push('bad payload: fix the producer (or deploy a consumer that accepts the version), then redrive');
  }
  if (classes.includes('RedriveExhausted')) hints.push('no runtime verdict: consumer bug, crash or timeout: read the function logs for these event_ids');
  if (classes.some((c) => c === 'PermanentError' || c === 'BusinessConditionFailed')) hints.push('the handler refused it: check the business state (courier trace <key>)');
  if (classes.some((c) => c.startsWith('TargetDelivery:'))) hints.push('EventBridge could not deliver: queue policy, encryption key or a deleted queue');
  if (classes.some((c) => c.startsWith('StreamBatch:'))) hints.push('relay failed on stream records: fix the relay, then courier outbox retry (republishes PENDING rows)');
  return `next: courier trace <key> for one message; after the fix: courier dlq redrive ${owner}${hints.length ? `\n${hints.map((h) => `  - ${h}`).join('\n')}` : ''}`;
}

// ---------------------------------------------------------------- dlq redrive

/** What a redrive moves (all, one error class or one message, from the DLQ or the target DLQ) and how. */
export interface RedriveOptions extends MessageFilter {
  /** At most this many messages per second (either move method). @default - as fast as SQS allows */
  rate?: number;
  /** Report what would move, and the guard's verdict, without moving anything. */
  dryRun?: boolean;
  /** Redrive even though the guard says the consumer is still failing. */
  force?: boolean;
  /** Redrive the consumer's target DLQ (events EventBridge could not deliver) instead of its DLQ. */
  target?: boolean;
  /** Failures newer than this block the redrive (see {@link redriveGuard}). @default 10 */
  quietMinutes?: number;
  onProgress?: (moved: number, total: number) => void;
  /** Polling interval for StartMessageMoveTask progress. */
  pollMs?: number;
}

/** What a redrive did (or, dry, would do): how many messages moved and how, and the guard's evidence. */
export interface RedriveResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  /** The queue the messages went back to (the consumer's queue). */
  destination: { url: string; name: string };
  /** Messages in the DLQ when the redrive started. */
  depth: number;
  /** What was asked to move: `all messages`, `error class X`, `message Y`. */
  selection: string;
  /** The consumer's function-errors alarm (also in `guard`). */
  alarm?: AlarmState;
  guard?: RedriveGuard;
  /** How the messages moved: an SQS message move task, or receive/send/delete where the engine has none. */
  method: 'dry-run' | 'message-move-task' | 'receive-send-delete' | 'nothing-to-move';
  moved: number;
  /** Messages that did not move (still in the DLQ), with why. */
  failed: MessageFailure[];
  /** A subset redrive: how many messages matched when it started, and how many were left in the DLQ unselected. */
  selected?: number;
  skipped?: number;
  /** dry run: how many messages would move, and their error classes. */
  wouldMove?: number;
  errorClasses?: { errorClass: string; count: number }[];
  /** why StartMessageMoveTask was not used. */
  fallbackReason?: string;
  /** Messages older than the consumer's idempotency horizon (redriven with --force, or found by a dry run). */
  warnings?: string[];
}

/** The engine has no message move tasks (MiniStack, moto): use receive/send/delete. */
export function isUnsupportedOperation(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; message?: string };
  return (
    ['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException', 'UnknownOperation', 'NotImplemented', 'InvalidAction.NotSupported'].includes(e?.name ?? e?.Code ?? '') ||
    /not valid for this endpoint|unknown operation|not (yet )?(supported|implemented)|unsupported operation/i.test(e?.message ?? '')
  );
}

export class RedriveRefused extends CliError {}

/** DLQ messages sampled for the guard's inflow check (a dry run and a subset read the whole queue). */
const GUARD_SAMPLE = 100;

/**
 * Moves a consumer DLQ's (or target DLQ's) messages back to the consumer's queue: all of them, one error
 * class, or one message. Refused while {@link redriveGuard} says the consumer still fails, unless forced.
 *
 * @example
 * await dlqRedrive(ctx, 'points-ledger', { errorClass: 'RedriveExhausted', onProgress: (n, total) => log(n, total) });
 */
export async function dlqRedrive(ctx: Context, wanted: string, options: RedriveOptions = {}): Promise<RedriveResult> {
  const deployment = await ctx.deployment();
  const dlq = resolveDlq(deployment, wanted, options.target);
  if (dlq.kind === 'relay-dlq') {
    throw new RedriveRefused(
      `${dlq.owner}: the relay DLQ holds stream-batch pointers, not events; there is no queue to move them to`,
      EXIT.failure,
      `the rows are still PENDING in the outbox: courier outbox retry --service ${dlq.outbox.service} (then purge the relay DLQ by hand)`,
    );
  }
  const sqs = ctx.clients.sqs;
  const filter: MessageFilter = { ...(options.errorClass !== undefined ? { errorClass: options.errorClass } : {}), ...(options.messageId !== undefined ? { messageId: options.messageId } : {}) };
  const subset = filter.errorClass !== undefined || filter.messageId !== undefined;
  const queue = { kind: dlq.kind, owner: dlq.owner, url: dlq.url, name: queueName(dlq.url) };
  const destination = { url: dlq.sourceUrl, name: queueName(dlq.sourceUrl) };
  const { depth, oldestAgeSeconds } = await queueDepth(sqs, dlq.url, ctx.now(), false);
  const base = { queue, destination, depth, selection: describeFilter(filter), failed: [] as MessageFailure[] };
  if (depth === 0) return { ...base, method: options.dryRun ? 'dry-run' : 'nothing-to-move', moved: 0, ...(options.dryRun ? { wouldMove: 0, errorClasses: [] } : {}) };

  const peeked = await peekDlq(sqs, dlq.url, options.dryRun || subset ? depth : Math.min(depth, GUARD_SAMPLE));
  const guard = await redriveGuard(ctx, dlq.consumer, peeked, options.quietMinutes);
  const selected = peeked.filter((m) => matchesFilter(m, filter));
  // A dry run reports what a real one would refuse; the real one refuses unless forced.
  const oldest = oldestRedelivery(dlq.consumer, selected, subset ? undefined : oldestAgeSeconds, ctx.now());
  const warnings = horizonCheck('redrive', [oldest], ctx.now(), options.force || options.dryRun);
  const guarded = { ...base, guard, ...(guard.alarm ? { alarm: guard.alarm } : {}), ...(warnings.length ? { warnings } : {}) };
  if (options.dryRun) {
    return { ...guarded, method: 'dry-run', moved: 0, wouldMove: selected.length, errorClasses: groupByErrorClass(selected).map(({ errorClass, count }) => ({ errorClass, count })) };
  }
  if (guard.failing && !options.force) {
    throw new RedriveRefused(`${guard.verdict}; redriving now would send the messages straight back`, EXIT.failure, 'fix the consumer first (courier dlq show / courier trace), or pass --force');
  }
  if (filter.messageId !== undefined && !peeked.some((m) => m.messageId === filter.messageId)) throw new MessageNotFound(filter.messageId, queue.name);

  let fallbackReason: string | undefined;
  if (subset) {
    fallbackReason = `${describeFilter(filter)} only: receive/send/delete (StartMessageMoveTask moves a whole queue)`;
  } else if (dlq.kind === 'dlq') {
    // AWS moves only from a queue that is some queue's redrive DLQ (the consumer DLQ, not the target DLQ)
    try {
      const moved = await moveTask(ctx, dlq.arn, dlq.sourceArn, depth, options);
      return { ...guarded, method: 'message-move-task', ...moved };
    } catch (error) {
      if (!isUnsupportedOperation(error)) throw error;
      fallbackReason = `StartMessageMoveTask unavailable (${(error as Error).name}): receive/send/delete`;
    }
  } else {
    fallbackReason = 'target DLQ is not a redrive DLQ of the queue: receive/send/delete';
  }
  const total = subset ? selected.length : depth;
  const result = await moveMessages(sqs, {
    from: dlq.url,
    to: dlq.sourceUrl,
    max: depth,
    ...(subset ? { select: (m) => matchesFilter(describeDlqMessage(m), filter) } : {}),
    ...(filter.messageId !== undefined ? { limit: 1 } : {}),
    ...(options.rate ? { rate: options.rate } : {}),
    onProgress: (moved) => options.onProgress?.(moved, total),
    sleep: ctx.sleep,
  });
  return { ...guarded, method: 'receive-send-delete', moved: result.moved, failed: result.failed, ...(subset ? { selected: total, skipped: result.skipped } : {}), fallbackReason };
}

/**
 * The oldest event a redrive would deliver again: the oldest of the messages read (when the event
 * happened, else when it was sent) and, when the whole queue moves, the queue's oldest message.
 */
function oldestRedelivery(consumer: ConsumerInfo, messages: readonly DlqMessage[], oldestAgeSeconds: number | undefined, now: number): Redelivery {
  const times = messages.map((m) => Date.parse(m.occurredAt ?? m.sentAt ?? '')).filter(Number.isFinite);
  if (oldestAgeSeconds !== undefined) times.push(now - oldestAgeSeconds * 1000);
  return { at: times.length > 0 ? Math.min(...times) : now, consumers: [consumer], label: 'the oldest message in the DLQ' };
}

/**
 * The message id is not (or no longer) in the DLQ: moved, deleted, or never there. `dlqDelete` throws it;
 * a script that deletes what it recorded earlier may treat it as already done.
 *
 * @example
 * await dlqDelete(ctx, 'shipping-dispatch', { messageId }).catch((error) => {
 *   if (!(error instanceof MessageNotFound)) throw error;
 * });
 */
export class MessageNotFound extends CliError {
  constructor(messageId: string, queue: string) {
    super(`no message ${messageId} in ${queue}`, EXIT.failure, 'it may have been redriven or deleted already: courier dlq show <consumer> lists what is there');
  }
}

async function moveTask(ctx: Context, sourceArn: string, destinationArn: string, depth: number, options: RedriveOptions) {
  const sqs = ctx.clients.sqs;
  await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      DestinationArn: destinationArn,
      ...(options.rate ? { MaxNumberOfMessagesPerSecond: options.rate } : {}),
    }),
  );
  for (;;) {
    await ctx.sleep(options.pollMs ?? 2_000);
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const task = Results[0];
    const moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
    options.onProgress?.(moved, Number(task?.ApproximateNumberOfMessagesToMove ?? depth));
    if (!task || ['COMPLETED', 'FAILED', 'CANCELLED'].includes(task.Status ?? '')) {
      if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
        return { moved, failed: [{ messageId: '-', reason: `move task ${task.Status}: ${task.FailureReason ?? ''}` }] };
      }
      return { moved, failed: [] };
    }
  }
}

/**
 * The text `courier dlq redrive` prints: what moved (or would), how, the guard's verdict and what to watch.
 *
 * @example
 * ctx.out.out(renderRedrive(await dlqRedrive(ctx, 'shipping-dispatch', { dryRun: true })));
 */
export function renderRedrive(r: RedriveResult): string {
  const from = `${r.queue.owner} ${r.queue.kind}`;
  const alarm = r.alarm ? ` (errors alarm ${r.alarm.state})` : '';
  const scope = r.selection === 'all messages' ? '' : ` [${r.selection}]`;
  if (r.method === 'dry-run') {
    return [
      `dry run: would move ${r.wouldMove ?? r.depth} message(s)${scope} from ${from} ${r.queue.name} to ${r.destination.name}${alarm}`,
      ...(r.errorClasses ?? []).map((g) => `  ${g.errorClass} × ${g.count}`),
      ...(r.guard ? [`guard: ${r.guard.verdict}`, ...r.guard.notes.map((n) => `  note: ${n}`)] : []),
      ...(r.guard?.failing ? ['the consumer is still failing: a real redrive would be refused without --force'] : []),
      ...(r.warnings ?? []).map((w) => `horizon: ${w}`),
      'nothing moved',
    ].join('\n');
  }
  if (r.method === 'nothing-to-move') return `${from} ${r.queue.name} is empty: nothing to move`;
  return [
    `moved ${r.moved} of ${r.selected ?? r.depth} message(s)${scope} from ${from} ${r.queue.name} to ${r.destination.name} (${r.method})${alarm}`,
    ...(r.fallbackReason ? [`  ${r.fallbackReason}`] : []),
    ...(r.guard?.failing ? [`  forced past the guard: ${r.guard.verdict}`] : []),
    ...(r.warnings ?? []).map((w) => `  ${w}`),
    ...r.failed.map((f) => `  not moved: ${f.messageId}: ${f.reason}`),
    r.failed.length ? 'messages not moved are still in the DLQ; run the redrive again' : 'watch: courier dlq list (they return to the DLQ if the consumer still fails)',
  ].join('\n');
}

// ---------------------------------------------------------------- dlq delete / export

/** What `courier dlq delete` removed: the message, as it was, from which queue. */
export interface DeleteResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  messageId: string;
  /** True once SQS deleted it (a failed delete throws instead). */
  deleted: boolean;
  /** The message as it was, so the record of what was given up on is in the output. */
  message: DlqMessage;
}

/**
 * Deletes one DLQ message (a payload that can never be valid, recorded and given up on). Reads it first,
 * so the result carries what was deleted.
 *
 * @example
 * const { message } = await dlqDelete(ctx, 'inventory-orders', { messageId });
 */
export async function dlqDelete(ctx: Context, wanted: string, options: { messageId: string; target?: boolean }): Promise<DeleteResult> {
  const dlq = resolveDlq(await ctx.deployment(), wanted, options.target);
  const queue = { kind: dlq.kind, owner: dlq.owner, url: dlq.url, name: queueName(dlq.url) };
  const { depth } = await queueDepth(ctx.clients.sqs, dlq.url, ctx.now(), false);
  let message: DlqMessage | undefined;
  const pass = await deleteMessages(ctx.clients.sqs, {
    from: dlq.url,
    max: depth,
    limit: 1,
    select: (m) => {
      if (m.MessageId !== options.messageId) return false;
      message = describeDlqMessage(m);
      return true;
    },
  });
  if (!message) throw new MessageNotFound(options.messageId, queue.name);
  if (pass.failed.length) throw new CliError(`could not delete ${options.messageId} from ${queue.name}: ${pass.failed[0]!.reason}`, EXIT.failure);
  return { queue, messageId: options.messageId, deleted: pass.done === 1, message };
}

/** What `courier dlq export` read: the selected messages in full, with when and from where. */
export interface ExportResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  /** ISO time of the export. */
  exportedAt: string;
  /** What was selected: `all messages`, `error class X`, `message Y`. */
  selection: string;
  /** Each message in full: body, every attribute, receive count, times. */
  messages: DlqMessage[];
}

/**
 * Reads DLQ messages in full without consuming them (all, one error class, or one message), as a record
 * to keep before a delete or to replay elsewhere.
 *
 * @example
 * const [message] = (await dlqExport(ctx, 'inventory-orders', { messageId })).messages;
 */
export async function dlqExport(ctx: Context, wanted: string, options: MessageFilter & { target?: boolean } = {}): Promise<ExportResult> {
  const dlq = resolveDlq(await ctx.deployment(), wanted, options.target);
  const queue = { kind: dlq.kind, owner: dlq.owner, url: dlq.url, name: queueName(dlq.url) };
  const { depth } = await queueDepth(ctx.clients.sqs, dlq.url, ctx.now(), false);
  const messages = (depth === 0 ? [] : await peekDlq(ctx.clients.sqs, dlq.url, depth)).filter((m) => matchesFilter(m, options));
  if (options.messageId !== undefined && messages.length === 0) throw new MessageNotFound(options.messageId, queue.name);
  return { queue, exportedAt: iso(ctx.now())!, selection: describeFilter(options), messages };
}

// ---------------------------------------------------------------- commands

const filterOptions = (parsed: Parsed): MessageFilter => {
  const errorClass = stringOption(parsed, 'error-class');
  const messageId = stringOption(parsed, 'message-id');
  return { ...(errorClass !== undefined ? { errorClass } : {}), ...(messageId !== undefined ? { messageId } : {}) };
};

/** `--error-class` and `--message-id`, the selection `filterOptions` reads (redrive and export take both). */
const FILTER_OPTIONS = {
  'error-class': { type: 'string' as const, value: 'C', description: 'only messages of error class C (as `dlq show` groups them)' },
  'message-id': { type: 'string' as const, value: 'ID', description: 'only the message with this id (as `dlq show --json` lists it)' },
};

const TARGET_OPTION = { type: 'boolean' as const, description: "the consumer's target DLQ (EventBridge → queue delivery failures) instead of its DLQ" };

export const dlqGroup: Group = {
  name: 'dlq',
  summary: 'Dead-letter queues: what is in them, why, and putting messages back.',
  commands: [
    {
      name: 'dlq list',
      summary: 'every DLQ of the deployment (consumer DLQs, target DLQs, outbox relay DLQs): depth and age of the oldest message',
      options: { json: JSON_OPTION },
      async run(ctx, parsed) {
        const rows = await dlqList(ctx);
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(rows, null, 2) : renderDlqList(rows));
        return EXIT.ok;
      },
    },
    {
      name: 'dlq show',
      summary: 'messages in a DLQ grouped by error class, with reason, detail-type, event_id, business key, first-failed time',
      args: ['<consumer|queue>'],
      options: { limit: { type: 'string', value: 'N', description: 'read at most N messages (default 100); they are released at once' }, target: TARGET_OPTION, json: JSON_OPTION },
      details: '<consumer|queue> is a consumer name, one of its queue names or URLs, or <service>-outbox for an outbox relay DLQ.',
      async run(ctx, parsed) {
        const result = await dlqShow(ctx, parsed.positionals[0]!, { limit: intOption(parsed, 'limit', 100)!, target: flag(parsed, 'target') });
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(result, null, 2) : renderDlqShow(result));
        return EXIT.ok;
      },
    },
    {
      name: 'dlq redrive',
      summary: "move a DLQ's messages (all, one error class or one message) back to the consumer's queue; refused while the consumer still fails",
      args: ['<consumer|queue>'],
      options: {
        ...FILTER_OPTIONS,
        rate: { type: 'string', value: 'N', description: 'at most N messages per second (default: as fast as SQS allows)' },
        'dry-run': { type: 'boolean', description: "show how many messages and which error classes would move, and the guard's verdict; move nothing" },
        force: { type: 'boolean', description: "redrive even though the guard says the consumer is still failing, or messages are older than its idempotency horizon" },
        'quiet-minutes': { type: 'string', value: 'N', description: `failures in the last N minutes block the redrive unless the function changed since (default ${DEFAULT_QUIET_MINUTES})` },
        target: TARGET_OPTION,
        json: JSON_OPTION,
      },
      details: [
        "The guard refuses while the consumer still fails: the runtime's quarantined / transient_failures metrics or messages reaching the DLQ in the last --quiet-minutes, newer than the function's last change (deploy or configuration), or its errors alarm in ALARM.",
        'Uses SQS StartMessageMoveTask for a whole consumer DLQ where the engine has it; otherwise (local engine, target DLQs, subsets) receive → send → delete, never deleting before the send succeeded. Moves at most the depth read at the start.',
      ].join('\n'),
      async run(ctx, parsed) {
        let bar: ReturnType<typeof progressBar> | undefined;
        const result = await dlqRedrive(ctx, parsed.positionals[0]!, {
          ...filterOptions(parsed),
          rate: intOption(parsed, 'rate', undefined),
          dryRun: flag(parsed, 'dry-run'),
          force: flag(parsed, 'force'),
          target: flag(parsed, 'target'),
          quietMinutes: intOption(parsed, 'quiet-minutes', DEFAULT_QUIET_MINUTES, 0),
          onProgress: (moved, total) => {
            bar ??= progressBar((t) => ctx.out.err(t), ctx.out.isTTY, total, 'redrive');
            bar.update(moved);
          },
        });
        (bar as ReturnType<typeof progressBar> | undefined)?.done();
        ctx.out.out(flag(parsed, 'json') ? JSON.stringify(result, null, 2) : renderRedrive(result));
        return result.failed.length ? EXIT.failure : EXIT.ok;
      },
    },
    {
      name: 'dlq delete',
      summary: 'delete one DLQ message (export it first: it is gone for good); prints what was deleted',
      args: ['<consumer|queue>'],
      options: { 'message-id': { type: 'string', value: 'ID', description: 'the message to delete (required)' }, target: TARGET_OPTION, json: JSON_OPTION },
      async run(ctx, parsed) {
        const messageId = stringOption(parsed, 'message-id');
        if (messageId === undefined) throw new UsageError('missing --message-id');
        const result = await dlqDelete(ctx, parsed.positionals[0]!, { messageId, target: flag(parsed, 'target') });
        ctx.out.out(
          flag(parsed, 'json')
            ? JSON.stringify(result, null, 2)
            : `deleted ${result.messageId} (${result.message.errorClass}: ${truncate(result.message.errorMessage, 200)}) from ${result.queue.owner} ${result.queue.kind} ${result.queue.name}`,
        );
        return EXIT.ok;
      },
    },
    {
      name: 'dlq export',
      summary: 'print DLQ messages in full as JSON (body, every attribute, receive count, times) without consuming them',
      args: ['<consumer|queue>'],
      options: {
        ...FILTER_OPTIONS,
        target: TARGET_OPTION,
      },
      async run(ctx, parsed) {
        const result = await dlqExport(ctx, parsed.positionals[0]!, { ...filterOptions(parsed), target: flag(parsed, 'target') });
        ctx.out.out(JSON.stringify(result, null, 2));
        return EXIT.ok;
      },
    },
  ] satisfies Command[],
};

