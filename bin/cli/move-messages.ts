import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface MoveOptions {
  from: string;
  to: string;
  /** Stop after this many messages (normally the depth read before starting, so returns are not re-moved). */
  max: number;
  /** Messages per second; 0 = as fast as SQS allows. */
  rate?: number;
  /** Seconds a received message stays hidden while it is being copied. */
  visibilityTimeout?: number;
  onProgress?: (moved: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface MoveResult {
  moved: number;
  failed: { messageId: string; reason: string }[];
}

/**
 * Moves messages between queues with receive → send → delete, deleting only what the target accepted,
 * so a crash or a failed send leaves the message in the source (at worst a copy in both: consumers
 * dedupe on event_id). Used where StartMessageMoveTask is unavailable.
 */
export async function moveMessages(sqs: SQSClient, options: MoveOptions): Promise<MoveResult> {
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const result: MoveResult = { moved: 0, failed: [] };
  let emptyReceives = 0;
  while (result.moved + result.failed.length < options.max && emptyReceives < 2) {
    const wanted = Math.min(10, options.max - result.moved - result.failed.length);
    const started = Date.now();
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.from,
        MaxNumberOfMessages: wanted,
        WaitTimeSeconds: 1,
        VisibilityTimeout: options.visibilityTimeout ?? 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    if (Messages.length === 0) {
      emptyReceives += 1;
      continue;
    }
    emptyReceives = 0;
    const sent = await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: options.to, Entries: Messages.map((m, i) => toEntry(m, i, options.to)) }),
    );
    for (const failure of sent.Failed ?? []) {
      const message = Messages[Number(failure.Id)]!;
      result.failed.push({ messageId: message.MessageId!, reason: `${failure.Code}: ${failure.Message ?? ''}` });
    }
    const accepted = (sent.Successful ?? []).map((s) => Messages[Number(s.Id)]!);
    if (accepted.length > 0) {
      const deleted = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.from,
          Entries: accepted.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
      // a copy exists in the target either way; an undeleted source copy reappears and is deduped downstream
      for (const failure of deleted.Failed ?? []) {
        result.failed.push({ messageId: accepted[Number(failure.Id)]!.MessageId!, reason: `copied but not deleted: ${failure.Code}` });
      }
      result.moved += accepted.length - (deleted.Failed?.length ?? 0);
    }
    options.onProgress?.(result.moved);
    if (options.rate && options.rate > 0) {
      const budget = (Messages.length / options.rate) * 1000 - (Date.now() - started);
      if (budget > 0) await sleep(budget);
    }
  }
  return result;
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
