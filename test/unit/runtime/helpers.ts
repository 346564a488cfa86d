import type { SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import { findEvent } from '../../../functions/events/catalog';
import { validDetails } from '../../fixtures/details';
import { eventBridgeEvent, sqsRecord as testingSqsRecord } from '../../../functions/testing/builders';
import { fakeLambdaContext } from '../../../functions/testing/lambda-context';

export const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:inventory-reserve';
export const FIFO_ARN = 'arn:aws:sqs:eu-west-1:123456789012:inventory-reserve.fifo';
export const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/inventory-reserve-dlq';
export const TABLE = 'idempotency';

/** An EventBridge event as the rule target delivers it to SQS (a valid detail of the reference catalog by default). */
export function eventBridgeBody(detailType: string, detail: Record<string, unknown> = validDetails()[detailType]!, source = findEvent(detailType)?.source ?? 'courier.unknown') {
  return eventBridgeEvent({ source, detailType }, detail, { time: '2026-11-28T10:15:31Z', region: 'eu-west-1' });
}

export function sqsRecord(body: string, overrides: { arn?: string; group?: string; messageId?: string } = {}): SQSRecord {
  return testingSqsRecord(body, { queueArn: overrides.arn ?? QUEUE_ARN, groupId: overrides.group, messageId: overrides.messageId });
}

export const orderRecord = (detail: Record<string, unknown> = validDetails()['order.created.v1']!, overrides = {}) =>
  sqsRecord(eventBridgeBody('order.created.v1', detail), overrides);

/** A Lambda context whose clock is under the test's control. */
export const fakeContext = (remainingMs = 60_000) => fakeLambdaContext({ awsRequestId: 'req-1', remainingMs });

/** Captures stdout JSON lines (logs and EMF documents). */
export function captureStdout() {
  const lines: Record<string, any>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

export { InMemoryIdempotencyTable } from '../../../functions/testing/idempotency-table';
