import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { sqsEvent } from '../../../functions/testing/builders';
import { validDetails } from '../../fixtures/details';
import { consumerTestSetup, eventIdOf, fakeContext, orderRecord, TABLE } from './helpers';

/**
 * Issue 12 item 5: key functions are the consumer author's code. One that fails for a record
 * quarantines that record, with its reason; the rest of the batch is processed.
 */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const state = consumerTestSetup(ddb, sqs);

type Order = { detail: { order_id: string } };
const order = (id: string) => orderRecord({ ...validDetails()['order.created.v1']!, order_id: id });
const batch = () => [order('ord-1'), order('bad'), order('ord-3')];
const dlqAttributes = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.MessageAttributes!);

async function runWith(keys: { key?: (e: Order) => unknown; orderingKey?: (e: Order) => unknown }) {
  const handled: string[] = [];
  const handler = consumer({
    events: [OrderCreatedV1] as const,
    idempotency: { table: TABLE, ...(keys.key && { key: keys.key as (e: Order) => string }) },
    ...(keys.orderingKey && { orderingKey: keys.orderingKey as (e: Order) => string | undefined }),
    handle: async (e) => void handled.push(e.detail.order_id),
  });
  const records = batch();
  const res = await handler(sqsEvent(...records), fakeContext());
  return { res, records, handled };
}

const onlyBad = (bad: (e: Order) => unknown) => (e: Order) => (e.detail.order_id === 'bad' ? bad(e) : `order-${e.detail.order_id}`);

describe('an idempotency key function that fails for one record', () => {
  it.each([
    ['returns undefined', () => undefined, 'idempotency key must be a non-empty string, got undefined'],
    ['returns an empty string', () => '', 'idempotency key must be a non-empty string, got ""'],
    ['returns a number', () => 42, 'idempotency key must be a non-empty string, got 42'],
    ['throws', () => { throw new Error('no tenant on this event'); }, 'idempotency key function threw: no tenant on this event'],
  ])('%s: that record is quarantined as InvalidIdempotencyKey, the others are processed', async (_, bad, reason) => {
    const { res, records, handled } = await runWith({ key: onlyBad(bad) });
    expect(res.batchItemFailures).toEqual([]);
    expect(handled.sort()).toEqual(['ord-1', 'ord-3']);
    const [attributes, ...more] = dlqAttributes();
    expect(more).toEqual([]);
    expect(attributes!['courier.error_class']?.StringValue).toBe('InvalidIdempotencyKey');
    expect(attributes!['courier.error_message']?.StringValue).toBe(reason);
    expect(attributes!['courier.source_message_id']?.StringValue).toBe(records[1]!.messageId);
    expect(state.table.status('inventory-reserve#order-ord-1')).toBe('COMPLETED');
    expect(state.table.status('inventory-reserve#order-ord-3')).toBe('COMPLETED');
    expect(state.table.items.size).toBe(2);
  });
});

describe('an ordering key function that fails for one record', () => {
  it.each([
    ['throws', () => { throw new Error('no order id'); }, 'ordering key function threw: no order id'],
    ['returns an empty string', () => '', 'ordering key must be a non-empty string or undefined, got ""'],
  ])('%s: that record is quarantined as InvalidOrderingKey and its claim released, the others are processed', async (_, bad, reason) => {
    const { res, records, handled } = await runWith({ orderingKey: onlyBad(bad) });
    expect(res.batchItemFailures).toEqual([]);
    expect(handled.sort()).toEqual(['ord-1', 'ord-3']);
    const [attributes, ...more] = dlqAttributes();
    expect(more).toEqual([]);
    expect(attributes!['courier.error_class']?.StringValue).toBe('InvalidOrderingKey');
    expect(attributes!['courier.error_message']?.StringValue).toBe(reason);
    // the quarantined record's claim is released: redriven after a fix, it runs
    expect(state.table.items.has(`inventory-reserve#${eventIdOf(records[1]!)}`)).toBe(false);
    expect(state.table.status(`inventory-reserve#${eventIdOf(records[0]!)}`)).toBe('COMPLETED');
  });
});
