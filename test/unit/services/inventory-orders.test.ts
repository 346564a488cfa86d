import { BatchGetItemCommand, DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { afterConditionFailed } from '../../../functions/inventory/conflicts';
import { MAX_SKUS, stockLines } from '../../../functions/inventory/reserve';
import { validDetails } from '../../fixtures/details';
import { DLQ_URL, eventBridgeBody, fakeContext, sqsRecord, TABLE } from '../runtime/helpers';
import { FakeTables } from './fake-tables';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
let db: FakeTables;
let handler: (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SERVICE_NAME: 'inventory',
    CONSUMER_NAME: 'inventory-orders',
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    STOCK_TABLE: 'stock',
    OUTBOX_TABLE: 'outbox',
  });
  ({ handler } = await import('../../../functions/inventory/handler'));
});
beforeEach(() => {
  ddb.reset();
  sqs.reset();
  db = new FakeTables({ stock: 'pk', outbox: 'event_id' });
  db.install(ddb);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
});
afterEach(() => vi.restoreAllMocks());

type Line = { sku: string; qty: number };
const created = (lines: Line[], over: Record<string, unknown> = {}) =>
  sqsRecord(eventBridgeBody('order.created.v1', { ...validDetails()['order.created.v1']!, lines, ...over }));
const cancelled = (over: Record<string, unknown> = {}) =>
  sqsRecord(eventBridgeBody('order.cancelled.v1', { ...validDetails()['order.cancelled.v1']!, ...over }));
const run = (...records: SQSRecord[]) => handler({ Records: records }, fakeContext());
const redeliver = (record: SQSRecord) => ({ ...record, messageId: `${record.messageId}-again` });
const detailOf = (record: SQSRecord) => JSON.parse(record.body).detail;

const seed = (stock: Record<string, number>) => {
  for (const [sku, available] of Object.entries(stock)) db.put('stock', { pk: `SKU#${sku}`, sku, available });
};
const available = () => Object.fromEntries(db.all('stock').filter((i) => i.pk.startsWith('SKU#')).map((i) => [i.sku, i.available]));
const reservation = () => db.get('stock', 'RES#ord-1001');
const announced = () => db.all('outbox').map((row) => ({ type: row.detail_type, source: row.source, status: row.status, detail: JSON.parse(row.detail) }));
const transactions = () => ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);
const marker = (record: SQSRecord) => db.idempotency.status(`inventory-orders#${detailOf(record).event_id}`);

describe('inventory-orders: order.created.v1', () => {
  it('reserves exactly the lines with conditional updates, the reservation and its outbox row in one transaction', async () => {
    seed({ 'SKU-RED-MUG': 5, 'SKU-TEA': 3, 'SKU-OTHER': 9 });
    const record = created([{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 1 }]);

    expect(await run(record)).toEqual({ batchItemFailures: [] });

    expect(available()).toEqual({ 'SKU-RED-MUG': 3, 'SKU-TEA': 2, 'SKU-OTHER': 9 });
    expect(reservation()).toEqual({ pk: 'RES#ord-1001', order_id: 'ord-1001', state: 'RESERVED', lines: [{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 1 }] });
    const [tx] = transactions();
    expect(tx).toHaveLength(5); // reservation, 2 stock updates, outbox row, idempotency marker
    expect(tx![0]!.Put).toMatchObject({ TableName: 'stock', ConditionExpression: 'attribute_not_exists(pk)' });
    for (const [i, sku, qty] of [[1, 'SKU-RED-MUG', '2'], [2, 'SKU-TEA', '1']] as const) {
      expect(tx![i]!.Update).toMatchObject({
        TableName: 'stock',
        Key: { pk: { S: `SKU#${sku}` } },
        ConditionExpression: 'attribute_exists(pk) AND #available >= :qty',
        ExpressionAttributeValues: { ':qty': { N: qty } },
      });
    }
    expect(tx![3]!.Put).toMatchObject({ TableName: 'outbox', ConditionExpression: 'attribute_not_exists(event_id)' });
    // optimistic mode: the marker is put with the writes, only if no live marker exists (nothing claimed before)
    expect(tx![4]!.Put).toMatchObject({ TableName: TABLE, ConditionExpression: expect.stringContaining('attribute_not_exists(id)'), ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(marker(record)).toBe('COMPLETED');

    const order = detailOf(record);
    expect(announced()).toEqual([
      {
        type: 'inventory.reserved.v1',
        source: 'courier.inventory',
        status: 'PENDING',
        detail: expect.objectContaining({
          order_id: 'ord-1001',
          lines: [{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 1 }],
          correlation_id: order.correlation_id,
          causation_id: order.event_id,
        }),
      },
    ]);
  });

  it('takes a sku listed twice in one update of the summed quantity', async () => {
    seed({ 'SKU-TEA': 3 });
    await run(created([{ sku: 'SKU-TEA', qty: 1 }, { sku: 'SKU-TEA', qty: 2 }]));
    expect(available()).toEqual({ 'SKU-TEA': 0 });
    expect(reservation()!.lines).toEqual([{ sku: 'SKU-TEA', qty: 3 }]);
    expect(announced()[0]!.detail.lines).toEqual([{ sku: 'SKU-TEA', qty: 1 }, { sku: 'SKU-TEA', qty: 2 }]);
  });

  it('rejects an order with too little stock: nothing taken, REJECTED, inventory.rejected.v1 out_of_stock', async () => {
    seed({ 'SKU-RED-MUG': 1, 'SKU-TEA': 3 });
    const record = created([{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 1 }]);
    expect(await run(record)).toEqual({ batchItemFailures: [] });
    expect(available()).toEqual({ 'SKU-RED-MUG': 1, 'SKU-TEA': 3 });
    expect(reservation()).toMatchObject({ state: 'REJECTED', lines: [], reason: 'out_of_stock', skus: ['SKU-RED-MUG'] });
    expect(transactions()[0]!.filter((w) => w.Update?.TableName === 'stock')).toEqual([]);
    expect(announced()).toEqual([
      expect.objectContaining({
        type: 'inventory.rejected.v1',
        detail: expect.objectContaining({ order_id: 'ord-1001', reason: 'out_of_stock', skus: ['SKU-RED-MUG'], causation_id: detailOf(record).event_id }),
      }),
    ]);
  });

  it('rejects an order naming a sku with no stock item as unknown_sku', async () => {
    seed({ 'SKU-RED-MUG': 0 });
    await run(created([{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-NOPE', qty: 1 }]));
    expect(reservation()).toMatchObject({ state: 'REJECTED', reason: 'unknown_sku', skus: ['SKU-NOPE'] });
    expect(announced().map((e) => [e.type, e.detail.reason, e.detail.skus])).toEqual([['inventory.rejected.v1', 'unknown_sku', ['SKU-NOPE']]]);
    expect(available()).toEqual({ 'SKU-RED-MUG': 0 });
  });

  it('does nothing for a duplicate: the same event redelivered, or the order announced again under a new event_id', async () => {
    seed({ 'SKU-TEA': 3 });
    const record = created([{ sku: 'SKU-TEA', qty: 1 }]);
    await run(record);
    expect(await run(redeliver(record), created([{ sku: 'SKU-TEA', qty: 1 }]))).toEqual({ batchItemFailures: [] });
    expect(transactions()).toHaveLength(1);
    expect(available()).toEqual({ 'SKU-TEA': 2 });
    expect(announced()).toHaveLength(1);
  });

  it('redelivers (does not quarantine) when a concurrent reservation took the stock, then rejects on the fresh read', async () => {
    seed({ 'SKU-TEA': 3 });
    const record = created([{ sku: 'SKU-TEA', qty: 2 }]);
    db.beforeNextTransaction = () => db.put('stock', { pk: 'SKU#SKU-TEA', sku: 'SKU-TEA', available: 1 });

    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(reservation()).toBeUndefined();
    expect(announced()).toEqual([]);
    expect(marker(record)).toBeUndefined(); // claim released: the redelivery runs again

    expect(await run(redeliver(record))).toEqual({ batchItemFailures: [] });
    expect(reservation()).toMatchObject({ state: 'REJECTED', reason: 'out_of_stock' });
    expect(available()).toEqual({ 'SKU-TEA': 1 });
  });

  it('acknowledges when a concurrent delivery of the same order reserved it first', async () => {
    seed({ 'SKU-TEA': 3 });
    const record = created([{ sku: 'SKU-TEA', qty: 2 }]);
    db.beforeNextTransaction = () => db.put('stock', { pk: 'RES#ord-1001', order_id: 'ord-1001', state: 'RESERVED', lines: [{ sku: 'SKU-TEA', qty: 2 }] });
    expect(await run(record)).toEqual({ batchItemFailures: [] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(marker(record)).toBe('COMPLETED');
    expect(available()).toEqual({ 'SKU-TEA': 3 }); // the winner's stock writes are not in this fake; ours were not applied
    expect(announced()).toEqual([]);
  });

  it(`reserves ${MAX_SKUS} distinct skus in one transaction of 100 items, and quarantines one more at once`, async () => {
    const skus = Array.from({ length: MAX_SKUS + 1 }, (_, i) => `SKU-${i}`);
    seed(Object.fromEntries(skus.map((s) => [s, 1])));
    const tooMany = created(skus.map((sku) => ({ sku, qty: 1 })), { order_id: 'ord-big' });
    expect(await run(tooMany)).toEqual({ batchItemFailures: [] });
    const [dlq] = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(dlq!.MessageAttributes!['courier.error_class']!.StringValue).toBe('PermanentError');
    expect(dlq!.MessageAttributes!['courier.error_message']!.StringValue).toContain(`${MAX_SKUS + 1} distinct skus`);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(0);

    await run(created(skus.slice(0, MAX_SKUS).map((sku) => ({ sku, qty: 1 }))));
    expect(transactions().at(-1)).toHaveLength(100);
    expect(reservation()!.state).toBe('RESERVED');
    expect(Object.values(available()).filter((n) => n === 0)).toHaveLength(MAX_SKUS);
  });
});

describe('inventory-orders: order.cancelled.v1', () => {
  it('releases a reservation: stock back, RELEASED, no event; a second cancel changes nothing', async () => {
    seed({ 'SKU-RED-MUG': 5, 'SKU-TEA': 3 });
    await run(created([{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 3 }]));
    expect(available()).toEqual({ 'SKU-RED-MUG': 3, 'SKU-TEA': 0 });

    expect(await run(cancelled())).toEqual({ batchItemFailures: [] });
    expect(available()).toEqual({ 'SKU-RED-MUG': 5, 'SKU-TEA': 3 });
    expect(reservation()!.state).toBe('RELEASED');
    const release = transactions()[1]!;
    expect(release[0]!.Update).toMatchObject({ ConditionExpression: '#state = :reserved' });
    expect(release.slice(1, 3).map((w) => w.Update!.UpdateExpression)).toEqual(['ADD #available :qty', 'ADD #available :qty']);
    expect(announced().map((e) => e.type)).toEqual(['inventory.reserved.v1']);

    await run(cancelled());
    expect(transactions()).toHaveLength(2);
    expect(available()).toEqual({ 'SKU-RED-MUG': 5, 'SKU-TEA': 3 });
  });

  it('leaves nothing to release after a rejection', async () => {
    seed({ 'SKU-TEA': 0 });
    await run(created([{ sku: 'SKU-TEA', qty: 1 }]));
    await run(cancelled());
    expect(transactions()).toHaveLength(1);
    expect(reservation()!.state).toBe('REJECTED');
    expect(available()).toEqual({ 'SKU-TEA': 0 });
  });

  it('cancel before created leaves a RELEASED tombstone, and the late order.created reserves nothing', async () => {
    seed({ 'SKU-TEA': 3 });
    expect(await run(cancelled())).toEqual({ batchItemFailures: [] });
    expect(reservation()).toEqual({ pk: 'RES#ord-1001', order_id: 'ord-1001', state: 'RELEASED', lines: [] });
    expect(transactions()[0]![0]!.Put).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)' });

    expect(await run(created([{ sku: 'SKU-TEA', qty: 1 }]))).toEqual({ batchItemFailures: [] });
    expect(transactions()).toHaveLength(1);
    expect(available()).toEqual({ 'SKU-TEA': 3 });
    expect(announced()).toEqual([]);
  });

  it('retries a cancel whose tombstone lost to a reservation landing meanwhile, then releases it', async () => {
    seed({ 'SKU-TEA': 3 });
    const record = cancelled();
    db.beforeNextTransaction = () => {
      db.put('stock', { pk: 'SKU#SKU-TEA', sku: 'SKU-TEA', available: 1 });
      db.put('stock', { pk: 'RES#ord-1001', order_id: 'ord-1001', state: 'RESERVED', lines: [{ sku: 'SKU-TEA', qty: 2 }] });
    };
    expect(await run(record)).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);

    expect(await run(redeliver(record))).toEqual({ batchItemFailures: [] });
    expect(reservation()!.state).toBe('RELEASED');
    expect(available()).toEqual({ 'SKU-TEA': 3 });
  });

  it('acknowledges a release that a concurrent cancel already made', async () => {
    seed({ 'SKU-TEA': 3 });
    await run(created([{ sku: 'SKU-TEA', qty: 2 }]));
    const record = cancelled();
    db.beforeNextTransaction = () => db.put('stock', { ...reservation()!, state: 'RELEASED' });
    expect(await run(record)).toEqual({ batchItemFailures: [] });
    expect(marker(record)).toBe('COMPLETED');
    expect(available()).toEqual({ 'SKU-TEA': 1 }); // the concurrent release's stock writes are not in this fake; ours were not applied
  });
});

describe('inventory decisions', () => {
  it('refuses more distinct skus than one transaction holds, as a permanent error', () => {
    const lines = Array.from({ length: MAX_SKUS + 1 }, (_, i) => ({ sku: `SKU-${i}`, qty: 1 }));
    expect(() => stockLines(lines)).toThrow(expect.objectContaining({ name: 'PermanentError' }));
    expect(stockLines([...lines.slice(0, MAX_SKUS), { sku: 'SKU-0', qty: 4 }])).toHaveLength(MAX_SKUS);
  });

  it('after a failed condition: stock → retry; reservation → acknowledge, unless a cancel met a live reservation', () => {
    expect(afterConditionFailed('created', { pk: 'SKU#SKU-TEA', available: 0 })).toBe('retry');
    expect(afterConditionFailed('created', undefined)).toBe('retry');
    expect(afterConditionFailed('created', { pk: 'RES#o', state: 'RELEASED' })).toBe('acknowledge');
    expect(afterConditionFailed('created', { pk: 'RES#o', state: 'RESERVED' })).toBe('acknowledge');
    expect(afterConditionFailed('cancelled', { pk: 'RES#o', state: 'RESERVED' })).toBe('retry');
    expect(afterConditionFailed('cancelled', { pk: 'RES#o', state: 'RELEASED' })).toBe('acknowledge');
    expect(afterConditionFailed('cancelled', { pk: 'RES#o', state: 'REJECTED' })).toBe('acknowledge');
  });
});
