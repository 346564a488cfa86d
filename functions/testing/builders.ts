import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { newEventId, type ConsumableEvent, type EventDefinition, type MetadataFields, type PayloadOf } from '../contracts/index.js';

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${++sequence}`;

/** The envelope fields EventBridge sets, overridable per event. */
export interface EnvelopeOverrides {
  id?: string;
  source?: string;
  time?: string;
  account?: string;
  region?: string;
  resources?: string[];
}

/**
 * A valid `detail` of a courier event: the payload plus fresh metadata (a new UUIDv7 `event_id`, now as
 * `occurred_at`, the definition's version, `correlation_id` = the event id), any of it overridable.
 *
 * @example
 * const detail = courierDetail(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1' }, { correlation_id: 'req-9' });
 */
export function courierDetail<E extends EventDefinition<any, any>>(
  event: E,
  payload: PayloadOf<E>,
  metadata: Partial<MetadataFields> = {},
): MetadataFields & PayloadOf<E> {
  const eventId = metadata.event_id ?? newEventId();
  return { ...payload, event_id: eventId, occurred_at: new Date().toISOString(), version: event.version, correlation_id: eventId, ...metadata } as MetadataFields & PayloadOf<E>;
}

/**
 * The JSON body an EventBridge rule delivers to SQS for `event` with this `detail` (for a courier event,
 * build the detail with `courierDetail`; for a foreign one, pass it as AWS would send it).
 *
 * @example
 * const body = eventBridgeEvent(ShipmentDispatchedV1, courierDetail(ShipmentDispatchedV1, payload));
 * const s3 = eventBridgeEvent(ObjectCreated, { bucket: { name: 'in' }, object: { key: 'a.csv', sequencer: '01' } });
 */
export function eventBridgeEvent(event: Pick<ConsumableEvent, 'source' | 'detailType'>, detail: unknown, overrides: EnvelopeOverrides = {}): string {
  return JSON.stringify({
    version: '0',
    id: overrides.id ?? nextId('eb'),
    'detail-type': event.detailType,
    source: overrides.source ?? event.source,
    account: overrides.account ?? '123456789012',
    time: overrides.time ?? new Date().toISOString(),
    region: overrides.region ?? 'us-east-1',
    resources: overrides.resources ?? [],
    detail,
  });
}

/** What `sqsRecord` varies about a record: its queue (standard or FIFO), its delivery count and attributes. */
export interface SqsRecordOptions {
  /** @default - a new `msg-<n>` id per record */
  messageId?: string;
  /** The source queue's ARN; a name ending in `.fifo` makes it a FIFO record. @default a standard queue */
  queueArn?: string;
  /** FIFO message group. */
  groupId?: string;
  /** @default 1 */
  receiveCount?: number;
  messageAttributes?: SQSRecord['messageAttributes'];
}

/**
 * One SQS record as Lambda's event source mapping delivers it.
 *
 * @example
 * const record = sqsRecord(eventBridgeEvent(ShipmentDispatchedV1, detail), { receiveCount: 2 });
 */
export function sqsRecord(body: string, options: SqsRecordOptions = {}): SQSRecord {
  const messageId = options.messageId ?? nextId('msg');
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: now,
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: now,
      ...(options.groupId !== undefined && { MessageGroupId: options.groupId }),
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn ?? 'arn:aws:sqs:us-east-1:123456789012:test-queue',
    awsRegion: 'us-east-1',
  };
}

/**
 * The event a consumer's handler is invoked with.
 * @example
 * const response = await handler(sqsEvent(record1, record2), fakeLambdaContext());
 */
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
