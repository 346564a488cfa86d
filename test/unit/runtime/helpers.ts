import {
  BatchExecuteStatementCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  type AttributeValue,
  type BatchExecuteStatementCommandInput,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import { findEvent } from '../../../functions/events/catalog';
import { validDetails } from '../../fixtures/details';

export const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:inventory-reserve';
export const FIFO_ARN = 'arn:aws:sqs:eu-west-1:123456789012:inventory-reserve.fifo';
export const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/inventory-reserve-dlq';
export const TABLE = 'idempotency';

let seq = 0;

/** An EventBridge event as the rule target delivers it to SQS. */
export function eventBridgeBody(detailType: string, detail: Record<string, unknown> = validDetails()[detailType]!, source = findEvent(detailType)?.source ?? 'courier.unknown') {
  return JSON.stringify({
    version: '0',
    id: `eb-${++seq}`,
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2026-11-28T10:15:31Z',
    region: 'eu-west-1',
    resources: [],
    detail,
  });
}

export function sqsRecord(body: string, overrides: { arn?: string; group?: string; messageId?: string } = {}): SQSRecord {
  const messageId = overrides.messageId ?? `msg-${++seq}`;
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764324931000',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '1764324931000',
      ...(overrides.group && { MessageGroupId: overrides.group }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: overrides.arn ?? QUEUE_ARN,
    awsRegion: 'eu-west-1',
  };
}

export const orderRecord = (detail: Record<string, unknown> = validDetails()['order.created.v1']!, overrides = {}) =>
  sqsRecord(eventBridgeBody('order.created.v1', detail), overrides);

/** A Lambda context whose clock is under the test's control. */
export const fakeContext = (remainingMs = 60_000) => ({ awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs });

/** Captures stdout JSON lines (logs and EMF documents). */
export function captureStdout() {
  const lines: Record<string, any>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

const str = (v: AttributeValue | undefined) => v?.S ?? '';
const num = (v: AttributeValue | undefined) => Number(v?.N ?? 0);

/**
 * An in-memory idempotency table speaking the statements the runtime sends (PartiQL INSERT / UPDATE /
 * DELETE and the conditional PutItem), with DynamoDB's per-statement error semantics.
 */
export class FakeIdempotencyTable {
  items = new Map<string, Record<string, AttributeValue>>();
  /** Whether DuplicateItem errors carry the existing item (unknown on AWS; both paths are handled). */
  returnItemOnDuplicate = true;

  /** Routes the idempotency store's commands (PartiQL batch, conditional PutItem) to this table. */
  install(ddb: AwsStub<any, any, any>): void {
    ddb.on(BatchExecuteStatementCommand).callsFake((input) => this.batch(input));
    ddb.on(PutItemCommand).callsFake((input) => this.put(input));
  }

  batch(input: BatchExecuteStatementCommandInput) {
    return {
      Responses: input.Statements!.map((st) => {
        const p = st.Parameters!;
        if (st.Statement!.startsWith('INSERT')) {
          const existing = this.items.get(str(p[0]));
          if (existing) return { Error: { Code: 'DuplicateItem' as const, Message: 'Duplicate primary key exists in table', ...(this.returnItemOnDuplicate && { Item: existing }) } };
          this.items.set(str(p[0]), { id: p[0]!, status: p[1]!, lease_token: p[2]!, lease_expires_at: p[3]!, expires_at: p[4]! });
          return {};
        }
        if (st.Statement!.startsWith('UPDATE')) {
          const existing = this.items.get(str(p[2]));
          if (!existing || str(existing.lease_token) !== str(p[3])) return { Error: { Code: 'ConditionalCheckFailed' as const, Message: 'The conditional request failed' } };
          this.items.set(str(p[2]), { ...existing, status: p[0]!, expires_at: p[1]! });
          return {};
        }
        const existing = this.items.get(str(p[0]));
        if (existing && str(existing.lease_token) !== str(p[1])) return { Error: { Code: 'ConditionalCheckFailed' as const, Message: 'The conditional request failed' } };
        this.items.delete(str(p[0]));
        return {};
      }),
    };
  }

  put(input: PutItemCommandInput) {
    const id = str(input.Item!.id);
    const existing = this.items.get(id);
    const v = input.ExpressionAttributeValues!;
    const absent =
      !existing ||
      num(existing.expires_at) < num(v[':now']) ||
      (str(existing.status) === 'IN_PROGRESS' && num(existing.lease_expires_at) < num(v[':now_ms']));
    if (!absent) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: existing });
    this.items.set(id, input.Item!);
    return {};
  }

  status(id: string) {
    return this.items.get(id)?.status?.S;
  }
}
