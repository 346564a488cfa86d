import type { SQSRecord } from 'aws-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, vi } from 'vitest';
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
export const fakeContext = (remainingMs: number | (() => number) = 60_000) => fakeLambdaContext({ awsRequestId: 'req-1', remainingMs });

/** Captures stdout JSON lines (logs and EMF documents). */
export function captureStdout() {
  const lines: Record<string, any>[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    return true;
  });
  return { lines, restore: () => spy.mockRestore() };
}

import { InMemoryIdempotencyTable, type CommandStub } from '../../../functions/testing/idempotency-table';

export { InMemoryIdempotencyTable };

/**
 * The shared setup of a consumer test file: DynamoDB routed to a fresh in-memory idempotency table, SQS
 * mocked (DLQ sends succeed), the consumer conventions in the environment, stdout captured. Call once at
 * the top level of the file; read `table` and `out` inside the tests.
 */
export function consumerTestSetup(ddb: { reset(): void } & CommandStub, sqs: { reset(): void; on(command: unknown): { resolves(output: unknown): unknown } }) {
  const state = {} as { table: InMemoryIdempotencyTable; out: ReturnType<typeof captureStdout> };
  beforeEach(() => {
    ddb.reset();
    sqs.reset();
    state.table = new InMemoryIdempotencyTable();
    state.table.install(ddb);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    process.env.CONSUMER_NAME = 'inventory-reserve';
    process.env.DLQ_URL = DLQ_URL;
    state.out = captureStdout();
  });
  afterEach(() => state.out.restore());
  return state;
}

export const eventIdOf = (r: SQSRecord) => JSON.parse(r.body).detail.event_id as string;
export const failures = (res: { batchItemFailures: { itemIdentifier: string }[] }) => res.batchItemFailures.map((f) => f.itemIdentifier);
