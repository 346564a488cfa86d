import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_ATTRIBUTES } from '../../functions/contracts/conventions.js';

/** A DLQ message as an operator reads it: why it is there, what it is, and which business key it concerns. */
export interface DlqMessage {
  messageId: string;
  errorClass: string;
  errorMessage: string;
  consumer?: string;
  firstFailedAt?: string;
  detailType?: string;
  eventId?: string;
  /** order_id, user_id or key from the detail, when the body can be read at all. */
  businessKey?: string;
  receiveCount: number;
  sentAt?: string;
  /** When the event happened: `detail.occurred_at`, else the envelope's `time`, when the body says. */
  occurredAt?: string;
  /** Every message attribute with a string value (`courier.*`, EventBridge's ERROR_*, the original ones). */
  attributes: Record<string, string>;
  body: string;
}

/** Which DLQ messages an operation is about: an error class, one message id, or (empty) all. */
export interface MessageFilter {
  errorClass?: string;
  messageId?: string;
}

export const matchesFilter = (m: DlqMessage, filter: MessageFilter): boolean =>
  (filter.errorClass === undefined || m.errorClass === filter.errorClass) && (filter.messageId === undefined || m.messageId === filter.messageId);

/** The filter in words, for messages: `error class ContractViolation`, `message m-1`, or `all messages`. */
export const describeFilter = (filter: MessageFilter): string =>
  [filter.errorClass !== undefined ? `error class ${filter.errorClass}` : '', filter.messageId !== undefined ? `message ${filter.messageId}` : ''].filter(Boolean).join(', ') ||
  'all messages';

/**
 * Reads up to `limit` messages without consuming them: received under a short visibility timeout and
 * released again (visibility 0) at once, so a redrive or the next reader sees them all.
 */
export async function peekDlq(sqs: SQSClient, queueUrl: string, limit: number): Promise<DlqMessage[]> {
  const seen = new Map<string, Message>();
  let empty = 0;
  while (seen.size < limit && empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, limit - seen.size),
        VisibilityTimeout: 30,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId!));
    if (fresh.length === 0) empty += 1;
    for (const m of fresh) seen.set(m.MessageId!, m);
  }
  const messages = [...seen.values()];
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
  }
  return messages.map(describeDlqMessage);
}

const attribute = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue;

const stringAttributes = (m: Message): Record<string, string> =>
  Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).flatMap(([name, a]) => (a.StringValue !== undefined ? [[name, a.StringValue]] : [])));

/**
 * Messages the runtime quarantined carry `courier.*` attributes. Messages without them reached the DLQ
 * through SQS redrive: the consumer failed them `maxReceiveCount` times (a bug, a crash or a timeout)
 * or never acknowledged them.
 */
export function describeDlqMessage(m: Message): DlqMessage {
  const body = m.Body ?? '';
  let detail: Record<string, unknown> | undefined;
  let envelopeType: string | undefined;
  let occurred: string | undefined;
  try {
    const parsed = JSON.parse(body) as { 'detail-type'?: string; detail?: Record<string, unknown>; time?: unknown };
    detail = parsed.detail && typeof parsed.detail === 'object' ? parsed.detail : undefined;
    envelopeType = typeof parsed['detail-type'] === 'string' ? parsed['detail-type'] : undefined;
    occurred = [detail?.occurred_at, parsed.time].find((t): t is string => typeof t === 'string' && Number.isFinite(Date.parse(t)));
  } catch {
    // unreadable body: the attributes are all there is
  }
  const stream = streamBatchInfo(body);
  if (stream) return stream(m);
  const key = (['order_id', 'user_id', 'key'] as const).map((k) => detail?.[k]).find((v) => typeof v === 'string') as string | undefined;
  const sent = m.Attributes?.SentTimestamp;
  // EventBridge rule-target DLQ messages carry ERROR_CODE / ERROR_MESSAGE / RULE_ARN / TARGET_ARN
  const targetError = attribute(m, 'ERROR_CODE');
  return {
    messageId: m.MessageId!,
    errorClass: attribute(m, DLQ_ATTRIBUTES.errorClass) ?? (targetError ? `TargetDelivery:${targetError}` : 'RedriveExhausted'),
    errorMessage:
      attribute(m, DLQ_ATTRIBUTES.errorMessage) ??
      (targetError ? `EventBridge could not deliver to the queue: ${attribute(m, 'ERROR_MESSAGE') ?? targetError}` : undefined) ??
      `no runtime verdict: failed or unacknowledged ${m.Attributes?.ApproximateReceiveCount ?? 'several'} times before SQS moved it (handler error, timeout or crash)`,
    consumer: attribute(m, DLQ_ATTRIBUTES.consumer),
    firstFailedAt: attribute(m, DLQ_ATTRIBUTES.firstFailedAt),
    detailType: attribute(m, DLQ_ATTRIBUTES.detailType) ?? envelopeType,
    eventId: attribute(m, DLQ_ATTRIBUTES.eventId) ?? (typeof detail?.event_id === 'string' ? detail.event_id : undefined),
    businessKey: key,
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: sent ? new Date(Number(sent)).toISOString() : undefined,
    occurredAt: occurred,
    attributes: stringAttributes(m),
    body,
  };
}

/**
 * Outbox relay DLQ messages are Lambda on-failure records for a stream batch (`DDBStreamBatchInfo`): they
 * point at stream sequence numbers, not at events. The rows themselves are still PENDING in the outbox.
 */
function streamBatchInfo(body: string): ((m: Message) => DlqMessage) | undefined {
  let parsed: {
    requestContext?: { condition?: string; approximateInvokeCount?: number };
    responseContext?: { functionError?: string };
    timestamp?: string;
    DDBStreamBatchInfo?: { startSequenceNumber?: string; endSequenceNumber?: string; batchSize?: number };
  };
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const info = parsed?.DDBStreamBatchInfo;
  if (!info) return undefined;
  const condition = parsed.requestContext?.condition ?? 'Unknown';
  return (m) => ({
    messageId: m.MessageId!,
    errorClass: `StreamBatch:${condition}`,
    errorMessage: `relay could not process ${info.batchSize ?? '?'} stream record(s) ${info.startSequenceNumber ?? '?'}…${info.endSequenceNumber ?? '?'} (${condition}${
      parsed.responseContext?.functionError ? `, ${parsed.responseContext.functionError}` : ''
    }); the rows are still PENDING: courier outbox retry`,
    firstFailedAt: parsed.timestamp,
    receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    sentAt: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : undefined,
    attributes: stringAttributes(m),
    body,
  });
}

/** Error class → messages, largest group first. */
export function groupByErrorClass(messages: DlqMessage[]): { errorClass: string; count: number; messages: DlqMessage[] }[] {
  const groups = new Map<string, DlqMessage[]>();
  for (const m of messages) groups.set(m.errorClass, [...(groups.get(m.errorClass) ?? []), m]);
  return [...groups].map(([errorClass, list]) => ({ errorClass, count: list.length, messages: list })).sort((a, b) => b.count - a.count);
}
