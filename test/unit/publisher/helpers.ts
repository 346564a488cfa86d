import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, type PutEventsRequestEntry, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '../../../functions/runtime/support/backoff';
import { createLogger } from '../../../functions/runtime/support/log';
import { Metrics } from '../../../functions/runtime/support/metrics';
import { createPublisher, type PublisherOptions } from '../../../functions/runtime/publish/publisher';

export const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);

/** A clock whose sleep advances time instantly; `random` fixed so backoff delays are predictable. */
export function fakeClock(start = T0, random = 0.5): Clock & { sleeps: number[]; advance(ms: number): void } {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    random: () => random,
    sleeps,
    advance: (ms) => (now += ms),
  };
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const ebClient = () => new EventBridgeClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });
export const ddbClient = () => new DynamoDBClient({ region: 'eu-west-1', credentials, maxAttempts: 1 });

/** Publisher wired to fakes; `emf` collects metric documents, `logs` the log lines. */
export function testPublisher(overrides: Partial<PublisherOptions> = {}) {
  const emf: Record<string, unknown>[] = [];
  const logs: Record<string, unknown>[] = [];
  const clock = fakeClock();
  const publisher = createPublisher({
    busName: 'courier-bus',
    client: ebClient(),
    clock,
    metrics: new Metrics({ service: 'orders' }, (l) => emf.push(JSON.parse(l))),
    logger: createLogger({}, (l) => logs.push(JSON.parse(l))),
    ...overrides,
  });
  const metric = (name: string) => emf.reduce((sum, doc) => sum + Number(doc[name] ?? 0), 0);
  return { publisher, clock, emf, logs, metric };
}

/** PutEvents result entries: success, or the error code given for that entry. */
export const ok = (): PutEventsResultEntry => ({ EventId: `eb-${Math.random().toString(36).slice(2)}` });
export const fail = (ErrorCode: string): PutEventsResultEntry => ({ ErrorCode, ErrorMessage: `${ErrorCode} for this entry` });
export const response = (Entries: PutEventsResultEntry[]) => ({ Entries, FailedEntryCount: Entries.filter((e) => e.ErrorCode).length });

export const eventIdOf = (entry: PutEventsRequestEntry): string => (JSON.parse(entry.Detail!) as { event_id: string }).event_id;

/** A stored entry with a real detail for order.created.v1. */
export function storedEntry(eventId: string, orderId = 'ord-1') {
  const detail = {
    event_id: eventId,
    occurred_at: '2026-11-28T10:00:00.000Z',
    version: 1,
    correlation_id: 'req-1',
    order_id: orderId,
    user_id: 'user-42',
    lines: [{ sku: 'SKU-TEA', qty: 1 }],
    total_minor: 450,
    currency: 'EUR',
  };
  return { eventId, entry: { Source: 'courier.orders', DetailType: 'order.created.v1', Detail: JSON.stringify(detail) } };
}

export const item = (row: Record<string, unknown>) => marshall(row, { removeUndefinedValues: true });

export const orderPayload = (orderId = 'ord-1') => ({
  order_id: orderId,
  user_id: 'user-42',
  lines: [{ sku: 'SKU-TEA', qty: 1 }],
  total_minor: 450,
  currency: 'EUR',
});
