import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, StartMessageMoveTaskCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { flag, intOption, JSON_OPTION, type Command, type Group } from './args.js';
import { CliError, EXIT, type Context } from './context.js';
import { groupByErrorClass, peekDlq, type DlqMessage } from './dlq-messages.js';
import { formatAge, progressBar, queueName, table, truncate } from './format.js';
import { moveMessages } from './move-messages.js';
import { resolveDlq, type DlqTarget } from './resolve.js';

// ---------------------------------------------------------------- queue facts

export interface QueueDepth {
  depth: number;
  inFlight: number;
  /** Seconds; from ApproximateAgeOfOldestMessage when the engine reports it, else from a peeked SentTimestamp. */
  oldestAgeSeconds?: number;
  ageSource?: 'attribute' | 'peek';
}

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

export interface DlqListRow extends QueueDepth {
  kind: 'dlq' | 'target-dlq' | 'relay-dlq';
  /** Consumer name, or `<service>-outbox` for a relay DLQ. */
  owner: string;
  service: string;
  queueName: string;
  url: string;
}

/** Every dead-letter queue of the deployment: each consumer's DLQ and target DLQ, each outbox relay DLQ. */
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

export interface DlqShowResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  depth: number;
  shown: number;
  groups: { errorClass: string; count: number; messages: DlqMessage[] }[];
}

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

export interface RedriveOptions {
  rate?: number;
  dryRun?: boolean;
  force?: boolean;
  target?: boolean;
  onProgress?: (moved: number, total: number) => void;
  /** Polling interval for StartMessageMoveTask progress. */
  pollMs?: number;
}

export interface RedriveResult {
  queue: { kind: DlqTarget['kind']; owner: string; url: string; name: string };
  destination: { url: string; name: string };
  depth: number;
  alarm?: { name: string; state: string; reason?: string };
  method: 'dry-run' | 'message-move-task' | 'receive-send-delete' | 'nothing-to-move';
  moved: number;
  failed: { messageId: string; reason: string }[];
  /** dry run: which error classes would move. */
  errorClasses?: { errorClass: string; count: number }[];
  /** why StartMessageMoveTask was not used. */
  fallbackReason?: string;
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
  const queue = { kind: dlq.kind, owner: dlq.owner, url: dlq.url, name: queueName(dlq.url) };
  const destination = { url: dlq.sourceUrl, name: queueName(dlq.sourceUrl) };
  const alarm = await errorsAlarm(ctx, dlq);
  if (alarm?.state === 'ALARM' && !options.force && !options.dryRun) {
    throw new RedriveRefused(
      `${dlq.owner} is still failing: alarm ${alarm.name} is in ALARM${alarm.reason ? ` (${alarm.reason})` : ''}; redriving now would send the messages straight back`,
      EXIT.failure,
      'fix the consumer first (courier dlq show / courier trace), or pass --force',
    );
  }
  const { depth } = await queueDepth(sqs, dlq.url, ctx.now(), false);
  const base = { queue, destination, depth, ...(alarm ? { alarm } : {}), failed: [] as RedriveResult['failed'] };
  if (options.dryRun) {
    const peeked = depth === 0 ? [] : await peekDlq(sqs, dlq.url, depth);
    return { ...base, method: 'dry-run', moved: 0, errorClasses: groupByErrorClass(peeked).map(({ errorClass, count }) => ({ errorClass, count })) };
  }
  if (depth === 0) return { ...base, method: 'nothing-to-move', moved: 0 };

  let fallbackReason: string | undefined;
  if (dlq.kind === 'dlq') {
    // AWS moves only from a queue that is some queue's redrive DLQ (the consumer DLQ, not the target DLQ)
    try {
      const moved = await moveTask(ctx, dlq.arn, dlq.sourceArn, depth, options);
      return { ...base, method: 'message-move-task', ...moved };
    } catch (error) {
      if (!isUnsupportedOperation(error)) throw error;
      fallbackReason = `StartMessageMoveTask unavailable (${(error as Error).name}): receive/send/delete`;
    }
  } else {
    fallbackReason = 'target DLQ is not a redrive DLQ of the queue: receive/send/delete';
  }
  const result = await moveMessages(sqs, {
    from: dlq.url,
    to: dlq.sourceUrl,
    max: depth,
    ...(options.rate ? { rate: options.rate } : {}),
    onProgress: (moved) => options.onProgress?.(moved, depth),
    sleep: ctx.sleep,
  });
  return { ...base, method: 'receive-send-delete', moved: result.moved, failed: result.failed, fallbackReason };
}

async function errorsAlarm(ctx: Context, dlq: Extract<DlqTarget, { consumer: unknown }>): Promise<RedriveResult['alarm']> {
  // the dlq-depth alarm is expected to be in ALARM (that is why we are here); the errors alarm says whether the consumer still fails
  const name = dlq.consumer.alarms.errors;
  if (!name) return undefined;
  const { MetricAlarms = [] } = await ctx.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  const alarm = MetricAlarms[0];
  return alarm ? { name, state: alarm.StateValue ?? 'UNKNOWN', ...(alarm.StateReason ? { reason: alarm.StateReason } : {}) } : undefined;
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

export function renderRedrive(r: RedriveResult): string {
  const from = `${r.queue.owner} ${r.queue.kind}`;
  const alarm = r.alarm ? ` (errors alarm ${r.alarm.state})` : '';
  if (r.method === 'dry-run') {
    return [
      `dry run: would move ${r.depth} message(s) from ${from} ${r.queue.name} to ${r.destination.name}${alarm}`,
      ...(r.errorClasses ?? []).map((g) => `  ${g.errorClass} × ${g.count}`),
      ...(r.alarm?.state === 'ALARM' ? ['the consumer is still failing: a real redrive would be refused without --force'] : []),
      'nothing moved',
    ].join('\n');
  }
  if (r.method === 'nothing-to-move') return `${from} ${r.queue.name} is empty: nothing to move`;
  return [
    `moved ${r.moved} of ${r.depth} message(s) from ${from} ${r.queue.name} to ${r.destination.name} (${r.method})${alarm}`,
    ...(r.fallbackReason ? [`  ${r.fallbackReason}`] : []),
    ...r.failed.map((f) => `  not moved: ${f.messageId}: ${f.reason}`),
    r.failed.length ? 'messages not moved are still in the DLQ; run the redrive again' : 'watch: courier dlq list (they return to the DLQ if the consumer still fails)',
  ].join('\n');
}

// ---------------------------------------------------------------- commands

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
      summary: "move a DLQ's messages back to the consumer's queue (refused while the consumer's errors alarm is in ALARM)",
      args: ['<consumer|queue>'],
      options: {
        rate: { type: 'string', value: 'N', description: 'at most N messages per second (default: as fast as SQS allows)' },
        'dry-run': { type: 'boolean', description: 'show how many messages and which error classes would move; move nothing' },
        force: { type: 'boolean', description: "redrive even though the consumer's errors alarm is in ALARM" },
        target: TARGET_OPTION,
        json: JSON_OPTION,
      },
      details:
        'Uses SQS StartMessageMoveTask where the engine has it; otherwise (local engine, target DLQs) receive → send → delete, never deleting before the send succeeded. Moves at most the depth read at the start.',
      async run(ctx, parsed) {
        let bar: ReturnType<typeof progressBar> | undefined;
        const result = await dlqRedrive(ctx, parsed.positionals[0]!, {
          rate: intOption(parsed, 'rate', undefined),
          dryRun: flag(parsed, 'dry-run'),
          force: flag(parsed, 'force'),
          target: flag(parsed, 'target'),
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
  ] satisfies Command[],
};

