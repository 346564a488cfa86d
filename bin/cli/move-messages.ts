import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A message an action could not complete, and why. */
export interface MessageFailure {
  messageId: string;
  reason: string;
}

export interface SelectOptions {
  from: string;
  /** Stop after this many distinct messages were received (normally the depth read before starting, so returns are not re-read). */
  max: number;
  /**
   * Which received messages to act on. The others stay hidden until the pass ends (so they are not
   * received twice) and are then released at once. Default: every message.
   */
  select?: (message: Message) => boolean;
  /** Stop after acting on this many selected messages (e.g. 1 for a single message id). */
  limit?: number;
  /** Selected messages per second; 0 or undefined = as fast as SQS allows. */
  rate?: number;
  /** Seconds a received message stays hidden while it is being handled. @default 60 */
  visibilityTimeout?: number;
  /** Called after each batch with the number of messages the action completed so far. */
  onProgress?: (done: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** What an action did with one batch of selected messages. */
export interface BatchOutcome {
  done: number;
  failed: MessageFailure[];
}

export interface PassResult {
  /** Selected messages the action completed. */
  done: number;
  failed: MessageFailure[];
  /** Received but not selected: released again. */
  skipped: number;
}

/**
 * One pass over a queue: receives each message once (up to `max` distinct ones), hands the selected
 * ones to `act` a receive batch at a time, and releases the unselected ones at the end. The shared
 * loop of a redrive, a subset redrive and a delete.
 */
export async function forEachSelected(sqs: SQSClient, options: SelectOptions, act: (batch: Message[]) => Promise<BatchOutcome>): Promise<PassResult> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const select = options.select ?? (() => true);
  const result: PassResult = { done: 0, failed: [], skipped: 0 };
  const seen = new Set<string>();
  const held = new Map<string, string>(); // unselected message id → its latest receipt handle
  const limitReached = () => options.limit !== undefined && result.done + result.failed.length >= options.limit;
  let emptyReceives = 0;
  try {
    while (seen.size < options.max && emptyReceives < 2 && !limitReached()) {
      const started = Date.now();
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.from,
          MaxNumberOfMessages: Math.min(10, options.max - seen.size),
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeout ?? 60,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId', 'ApproximateReceiveCount', 'SentTimestamp'],
        }),
      );
      // a held message whose visibility ran out comes back: keep its newest handle, do not count it again
      for (const m of Messages) if (held.has(m.MessageId!)) held.set(m.MessageId!, m.ReceiptHandle!);
      const fresh = Messages.filter((m) => !seen.has(m.MessageId!));
      if (fresh.length === 0) {
        emptyReceives += 1;
        continue;
      }
      emptyReceives = 0;
      for (const m of fresh) seen.add(m.MessageId!);
      const room = options.limit === undefined ? Infinity : options.limit - result.done - result.failed.length;
      const chosen = fresh.filter(select).slice(0, room);
      for (const m of fresh) if (!chosen.includes(m)) held.set(m.MessageId!, m.ReceiptHandle!);
      if (chosen.length === 0) continue;
      const outcome = await act(chosen);
      result.done += outcome.done;
      result.failed.push(...outcome.failed);
      options.onProgress?.(result.done);
      if (options.rate && options.rate > 0) {
        const budget = (chosen.length / options.rate) * 1000 - (Date.now() - started);
        if (budget > 0) await sleep(budget);
      }
    }
  } finally {
    await release(sqs, options.from, [...held.values()]);
    result.skipped = held.size;
  }
  return result;
}

/** Makes messages visible again at once (visibility 0), ten per call. */
export async function release(sqs: SQSClient, queueUrl: string, receiptHandles: string[]): Promise<void> {
  for (let i = 0; i < receiptHandles.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: receiptHandles.slice(i, i + 10).map((handle, j) => ({ Id: String(j), ReceiptHandle: handle, VisibilityTimeout: 0 })),
      }),
    );
  }
}

export interface MoveOptions extends SelectOptions {
  to: string;
}

export interface MoveResult {
  moved: number;
  failed: MessageFailure[];
  /** Messages left in the source because they were not selected (a subset redrive). */
  skipped: number;
}

/**
 * Moves messages between queues with receive → send → delete, deleting only what the target accepted,
 * so a crash or a failed send leaves the message in the source (at worst a copy in both: consumers
 * dedupe on event_id). Used where StartMessageMoveTask is unavailable, and for subsets (`select`),
 * which StartMessageMoveTask cannot do.
 *
 * @example
 * await moveMessages(sqs, { from: dlqUrl, to: queueUrl, max: depth, select: (m) => m.MessageId === id, limit: 1 });
 */
export async function moveMessages(sqs: SQSClient, options: MoveOptions): Promise<MoveResult> {
  const { done, failed, skipped } = await forEachSelected(sqs, options, async (messages) => {
    const failures: MessageFailure[] = [];
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: options.to, Entries: messages.map((m, i) => toEntry(m, i, options.to)) }));
    for (const failure of sent.Failed ?? []) {
      failures.push({ messageId: messages[Number(failure.Id)]!.MessageId!, reason: `${failure.Code}: ${failure.Message ?? ''}` });
    }
    const accepted = (sent.Successful ?? []).map((s) => messages[Number(s.Id)]!);
    if (accepted.length === 0) return { done: 0, failed: failures };
    const deleted = await deleteBatch(sqs, options.from, accepted);
    // a copy exists in the target either way; an undeleted source copy reappears and is deduped downstream
    failures.push(...deleted.failed.map((f) => ({ ...f, reason: `copied but not deleted: ${f.reason}` })));
    return { done: deleted.done, failed: failures };
  });
  return { moved: done, failed, skipped };
}

/**
 * Deletes the selected messages of a queue (e.g. one DLQ message an operator recorded and gave up on);
 * everything else is released untouched.
 *
 * @example
 * await deleteMessages(sqs, { from: dlqUrl, max: depth, select: (m) => m.MessageId === id, limit: 1 });
 */
export async function deleteMessages(sqs: SQSClient, options: SelectOptions): Promise<PassResult> {
  return forEachSelected(sqs, options, (messages) => deleteBatch(sqs, options.from, messages));
}

async function deleteBatch(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<BatchOutcome> {
  const deleted = await sqs.send(
    new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
  );
  const failed = (deleted.Failed ?? []).map((f) => ({ messageId: messages[Number(f.Id)]!.MessageId!, reason: f.Code ?? 'delete failed' }));
  return { done: messages.length - failed.length, failed };
}

function toEntry(message: Message, index: number, target: string) {
  const fifo = target.endsWith('.fifo');
  return {
    Id: String(index),
    MessageBody: message.Body!,
    MessageAttributes: message.MessageAttributes,
    ...(fifo
      ? {
          MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive',
          MessageDeduplicationId: message.Attributes?.MessageDeduplicationId ?? message.MessageId,
        }
      : {}),
  };
}
