import { SendMessageCommand, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { DLQ_ATTRIBUTES } from '../../contracts/conventions.js';


/** SQS allows 10 attributes per message; the original ones fill what courier's leave. */
const MAX_ATTRIBUTES = 10;
const MAX_MESSAGE_CHARS = 1_000;

export interface QuarantineReason {
  error: Error;
  consumer: string;
  detailType?: string;
  eventId?: string;
}

/**
 * Sends the record's original body to the DLQ at once, with the reason as attributes, so a permanent
 * failure does not burn maxReceiveCount deliveries. Throws if the send fails (or `signal` aborts it):
 * the caller then reports the record as failed rather than acknowledging it, so it is never lost.
 */
export async function quarantine(sqs: SQSClient, dlqUrl: string, record: SQSRecord, reason: QuarantineReason, signal?: AbortSignal): Promise<void> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  const ours: Record<string, MessageAttributeValue> = {
    [DLQ_ATTRIBUTES.errorClass]: text(reason.error.name),
    [DLQ_ATTRIBUTES.errorMessage]: text(reason.error.message.slice(0, MAX_MESSAGE_CHARS) || '(none)'),
    [DLQ_ATTRIBUTES.consumer]: text(reason.consumer),
    [DLQ_ATTRIBUTES.firstFailedAt]: text(new Date().toISOString()),
    [DLQ_ATTRIBUTES.sourceMessageId]: text(record.messageId),
  };
  if (reason.detailType) ours[DLQ_ATTRIBUTES.detailType] = text(reason.detailType);
  if (reason.eventId) ours[DLQ_ATTRIBUTES.eventId] = text(reason.eventId);
  const original = Object.entries(record.messageAttributes ?? {})
    .filter(([name, a]) => !(name in ours) && (a.stringValue !== undefined || a.binaryValue !== undefined))
    .slice(0, MAX_ATTRIBUTES - Object.keys(ours).length)
    .map(([name, a]): [string, MessageAttributeValue] => [
      name,
      a.stringValue !== undefined
        ? { DataType: a.dataType, StringValue: a.stringValue }
        : { DataType: a.dataType, BinaryValue: Buffer.from(a.binaryValue!, 'base64') },
    ]);
  const fifo = dlqUrl.endsWith('.fifo');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: record.body,
      MessageAttributes: { ...Object.fromEntries(original), ...ours },
      // A FIFO DLQ needs a group and a dedup id; keep the source group, dedupe on the source message.
      ...(fifo && {
        MessageGroupId: record.attributes.MessageGroupId ?? 'courier-dlq',
        MessageDeduplicationId: record.messageId,
      }),
    }),
    { abortSignal: signal },
  );
}
