import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  ConditionalCheckFailedException,
  type AttributeValue,
  type TransactWriteItemsCommandInput,
  type Update,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../../functions/contracts/conventions';
import type { OrderItem } from '../../../functions/orders/order-record';
import { validDetails } from '../../fixtures/details';
import { captureStdout, DLQ_URL, eventBridgeBody, fakeContext, InMemoryIdempotencyTable, sqsRecord, TABLE } from '../runtime/helpers';

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const ORDERS = 'orders';
const OUTBOX = 'outbox';
const ORDER_ID = 'ord-1001'; // the order the catalog fixtures talk about

let handler: (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;
let idempotency: InMemoryIdempotencyTable;
let orders: FakeOrders;
let out: ReturnType<typeof captureStdout>;

/**
 * The orders and outbox tables as far as this consumer uses them: consistent GetItem, the order's
 * conditional UpdateItem, and the transaction (order Update with its version condition, outbox Puts)
 * applied atomically, the way DynamoDB does.
 */
class FakeOrders {
  items = new Map<string, Record<string, unknown>>();
  outbox: Record<string, unknown>[] = [];

  put(order: Partial<OrderItem>) {
    this.items.set(`ORDER#${order.order_id}`, { pk: `ORDER#${order.order_id}`, ...order });
  }

  order(): OrderItem {
    return this.items.get(`ORDER#${ORDER_ID}`) as unknown as OrderItem;
  }

  /** Runs once, right after the next read: someone else changing the item before our commit. */
  afterNextRead?: () => void;

  get(key: Record<string, AttributeValue>) {
    const item = this.items.get(key.pk!.S!);
    const read = item ? { Item: marshall(item) } : {};
    const hook = this.afterNextRead;
    this.afterNextRead = undefined;
    hook?.();
    return read;
  }

  /** The version condition of an order update: undefined when it holds, the current item when it does not. */
  private conflict(u: Pick<Update, 'Key' | 'ExpressionAttributeValues'>) {
    const current = this.items.get(u.Key!.pk!.S!);
    const expected = unmarshall(u.ExpressionAttributeValues!)[':expected'];
    return current && current.version === expected ? undefined : { current };
  }

  private apply(u: Pick<Update, 'Key' | 'ExpressionAttributeValues'>) {
    const values = unmarshall(u.ExpressionAttributeValues!);
    const current = this.items.get(u.Key!.pk!.S!)!;
    for (const [k, v] of Object.entries(values)) if (k.startsWith(':set_')) current[k.slice(5)] = v;
    current.version = (current.version as number) + values[':one'];
  }

  update(input: UpdateItemCommandInput) {
    if (input.TableName !== ORDERS) throw new Error(`unexpected update ${JSON.stringify(input)}`);
    const conflict = this.conflict(input);
    if (conflict) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: conflict.current && marshall(conflict.current) });
    this.apply(input);
    return {};
  }

  transact(input: TransactWriteItemsCommandInput) {
    const items = input.TransactItems!;
    const reasons = items.map((t) => {
      if (t.Update?.TableName !== ORDERS) return idempotency.reasonFor(t);
      const conflict = this.conflict(t.Update);
      return conflict ? { Code: 'ConditionalCheckFailed', Item: conflict.current && marshall(conflict.current) } : { Code: 'None' };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons as never });
    }
    for (const t of items) {
      if (t.Update?.TableName === ORDERS) this.apply(t.Update);
      else if (t.Put?.TableName === TABLE || t.Update?.TableName === TABLE) idempotency.apply(t);
      else if (t.Put?.TableName === OUTBOX) this.outbox.push(unmarshall(t.Put.Item!));
      else throw new Error(`unexpected write ${JSON.stringify(t)}`);
    }
    return {};
  }
}

const pendingOrder = (over: Partial<OrderItem> = {}): Partial<OrderItem> => ({
  order_id: ORDER_ID,
  user_id: 'user-42',
  currency: 'EUR',
  lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 450 }],
  total_minor: 450,
  status: 'PENDING',
  stock: 'PENDING',
  correlation_id: 'req-7f3a',
  created_at: '2026-11-28T10:15:30.000Z',
  updated_at: '2026-11-28T10:15:30.000Z',
  version: 1,
  ...over,
});

const reply = (detailType: string, over: Record<string, unknown> = {}) => sqsRecord(eventBridgeBody(detailType, { ...validDetails()[detailType]!, ...over }));
const run = (...records: SQSRecord[]) => handler({ Records: records }, fakeContext());
const detailOf = (r: SQSRecord) => JSON.parse(r.body).detail as Record<string, unknown>;
const transactions = () => ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);
const updates = () => ddb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
const markerPuts = () => ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);
const failures = (res: SQSBatchResponse) => res.batchItemFailures.map((f) => f.itemIdentifier);

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    CONSUMER_NAME: 'orders-progress',
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    ORDERS_TABLE: ORDERS,
    OUTBOX_TABLE: OUTBOX,
  });
  ({ handler } = await import('../../../functions/orders/progress'));
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  idempotency = new InMemoryIdempotencyTable();
  orders = new FakeOrders();
  ddb.on(BatchExecuteStatementCommand).callsFake((input) => idempotency.batchExecuteStatement(input));
  ddb.on(PutItemCommand).callsFake((input) => idempotency.putItem(input));
  ddb.on(BatchGetItemCommand).callsFake((input) => idempotency.batchGetItem(input));
  ddb.on(GetItemCommand).callsFake((input) => orders.get(input.Key));
  ddb.on(TransactWriteItemsCommand).callsFake((input) => orders.transact(input));
  ddb.on(UpdateItemCommand).callsFake((input) => orders.update(input));
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  out = captureStdout();
});
afterEach(() => out.restore());

describe('orders-progress: each reply event', () => {
  it('inventory.reserved.v1: reads the order consistently, records the stock with one UpdateItem conditional on the version (no transaction), then puts the completed marker', async () => {
    orders.put(pendingOrder({ version: 4 }));
    const record = reply('inventory.reserved.v1');
    expect(failures(await run(record))).toEqual([]);

    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: ORDERS, Key: { pk: { S: `ORDER#${ORDER_ID}` } }, ConsistentRead: true });
    expect(transactions()).toEqual([]);
    const [update] = updates();
    expect(update).toMatchObject({ TableName: ORDERS, Key: { pk: { S: `ORDER#${ORDER_ID}` } }, ConditionExpression: '#version = :expected', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    expect(unmarshall(update!.ExpressionAttributeValues!)).toMatchObject({ ':expected': 4, ':set_stock': 'RESERVED', ':set_status': 'PENDING' });
    expect(orders.order()).toMatchObject({ stock: 'RESERVED', status: 'PENDING', version: 5 });
    // optimistic mode: no claim before; the completed marker is one conditional PutItem after the write
    expect(markerPuts()).toEqual([expect.objectContaining({ TableName: TABLE, Item: expect.objectContaining({ id: { S: `orders-progress#${detailOf(record).event_id}` }, status: { S: 'COMPLETED' } }) })]);
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0);
    expect(orders.outbox).toEqual([]);
  });

  it('risk.assessed.v1: records score and decision; reserved + approve confirms, reserved + review holds for review', async () => {
    orders.put(pendingOrder({ stock: 'RESERVED' }));
    await run(reply('risk.assessed.v1', { score: 17, decision: 'approve' }));
    expect(orders.order()).toMatchObject({ risk_score: 17, risk_decision: 'approve', status: 'CONFIRMED' });

    orders.put(pendingOrder({ stock: 'RESERVED' }));
    await run(reply('risk.assessed.v1', { score: 55, decision: 'review' }));
    expect(orders.order()).toMatchObject({ risk_score: 55, risk_decision: 'review', status: 'IN_REVIEW' });
    expect(orders.outbox).toEqual([]);
  });

  it('points.awarded.v1: records the points without changing the status', async () => {
    orders.put(pendingOrder({ stock: 'RESERVED', risk_decision: 'approve', risk_score: 3, status: 'CONFIRMED' }));
    await run(reply('points.awarded.v1', { points: 25 }));
    expect(orders.order()).toMatchObject({ points: 25, status: 'CONFIRMED', version: 2 });
  });

  it('reaches the same status whatever order the replies arrive in', async () => {
    const replies = () => [reply('inventory.reserved.v1'), reply('risk.assessed.v1', { decision: 'approve' }), reply('points.awarded.v1', { points: 25 })];
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      orders.put(pendingOrder());
      const records = replies();
      for (const i of order) await run(records[i]!);
      expect(orders.order()).toMatchObject({ status: 'CONFIRMED', stock: 'RESERVED', risk_decision: 'approve', points: 25, version: 4 });
    }
  });
});

describe('orders-progress: rejection compensates', () => {
  it('inventory.rejected.v1 on a live order: REJECTED and an order.cancelled.v1 outbox row in the same transaction, carrying the chain', async () => {
    orders.put(pendingOrder({ risk_decision: 'approve' }));
    const record = reply('inventory.rejected.v1', { reason: 'out_of_stock', skus: ['SKU-TEA'], correlation_id: 'chain-9' });
    expect(failures(await run(record))).toEqual([]);

    const [tx] = transactions();
    expect(tx).toHaveLength(2); // order update and outbox row: both or neither
    expect(tx![1]!.Put).toMatchObject({ TableName: OUTBOX, ConditionExpression: 'attribute_not_exists(event_id)' });
    expect(idempotency.status(`orders-progress#${detailOf(record).event_id}`)).toBe('COMPLETED');
    expect(orders.order()).toMatchObject({ status: 'REJECTED', status_reason: 'out_of_stock', stock: 'REJECTED', stock_reason: 'out_of_stock', rejected_skus: ['SKU-TEA'] });
    expect(orders.outbox).toHaveLength(1);
    expect(orders.outbox[0]).toMatchObject({ detail_type: 'order.cancelled.v1', source: 'courier.orders', status: 'PENDING' });
    const detail = JSON.parse(orders.outbox[0]!.detail as string);
    expect(detail).toMatchObject({ order_id: ORDER_ID, user_id: 'user-42', reason: 'out_of_stock', correlation_id: 'chain-9', causation_id: detailOf(record).event_id });
    expect(detail.event_id).toBe(orders.outbox[0]!.event_id);
  });

  it('risk.assessed.v1 reject on a reserved order: REJECTED with reason risk_rejected (stock is released downstream)', async () => {
    orders.put(pendingOrder({ stock: 'RESERVED' }));
    const record = reply('risk.assessed.v1', { score: 90, decision: 'reject' });
    await run(record);
    expect(orders.order()).toMatchObject({ status: 'REJECTED', status_reason: 'risk_rejected', risk_score: 90 });
    expect(orders.outbox.map((r) => JSON.parse(r.detail as string))).toEqual([
      expect.objectContaining({ reason: 'risk_rejected', correlation_id: detailOf(record).correlation_id, causation_id: detailOf(record).event_id }),
    ]);
  });

  it('a second rejecting fact after REJECTED is recorded but compensates nothing twice', async () => {
    orders.put(pendingOrder());
    await run(reply('risk.assessed.v1', { decision: 'reject', score: 95 }));
    await run(reply('inventory.rejected.v1'));
    expect(orders.order()).toMatchObject({ status: 'REJECTED', status_reason: 'risk_rejected', stock: 'REJECTED' });
    expect(orders.outbox).toHaveLength(1);
  });
});

describe('orders-progress: late facts after a final state', () => {
  it('are recorded on a CANCELLED order without changing its status or emitting anything', async () => {
    orders.put(pendingOrder({ status: 'CANCELLED', status_reason: 'changed my mind' }));
    await run(reply('inventory.reserved.v1'));
    await run(reply('risk.assessed.v1', { decision: 'reject', score: 80 }));
    await run(reply('points.awarded.v1', { points: 25 }));
    expect(orders.order()).toMatchObject({ status: 'CANCELLED', status_reason: 'changed my mind', stock: 'RESERVED', risk_decision: 'reject', points: 25, version: 4 });
    expect(orders.outbox).toEqual([]);
    expect(transactions().every((tx) => tx.every((t) => t.Put?.TableName !== OUTBOX))).toBe(true);
  });
});

describe('orders-progress: compensations reported by the services', () => {
  it('inventory.released.v1 and points.revoked.v1 are recorded on the order, which stays final; nothing is emitted', async () => {
    orders.put(pendingOrder({ status: 'REJECTED', status_reason: 'risk_rejected', stock: 'RESERVED', risk_decision: 'reject', points: 25, version: 5 }));
    await run(reply('inventory.released.v1', { lines: [{ sku: 'SKU-TEA', qty: 1 }] }));
    await run(reply('points.revoked.v1', { points: 25, balance: 0 }));
    expect(orders.order()).toMatchObject({ status: 'REJECTED', stock: 'RESERVED', points: 25, released_lines: [{ sku: 'SKU-TEA', qty: 1 }], revoked_points: 25, version: 7 });
    expect(orders.outbox).toEqual([]);
  });

  it('are order-independent: a release that overtakes the reservation is not undone by it', async () => {
    orders.put(pendingOrder({ status: 'CANCELLED', status_reason: 'changed my mind' }));
    await run(reply('inventory.released.v1', { lines: [] }));
    await run(reply('inventory.reserved.v1'));
    expect(orders.order()).toMatchObject({ status: 'CANCELLED', stock: 'RESERVED', released_lines: [] });
  });
});

describe('orders-progress: failures', () => {
  it('a version conflict is retried (nothing applied, marker released) and the redelivery re-reads and applies', async () => {
    orders.put(pendingOrder({ version: 1 }));
    // The order changes between our read and our commit (e.g. a concurrent cancel).
    orders.afterNextRead = () => orders.put(pendingOrder({ version: 2, status: 'CANCELLED' }));
    const record = reply('inventory.rejected.v1');
    expect(failures(await run(record))).toEqual([record.messageId]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(orders.order()).toMatchObject({ version: 2, stock: 'PENDING' });
    expect(orders.outbox).toEqual([]);
    expect(idempotency.status(`orders-progress#${detailOf(record).event_id}`)).toBeUndefined();
    expect(out.lines.find((l) => l.message === 'record will be retried')?.error?.message).toContain('changed concurrently (now version 2)');

    // Redelivery: reads version 2 (CANCELLED, final) and records the fact without compensating.
    expect(failures(await run({ ...record, messageId: 'again' }))).toEqual([]);
    expect(orders.order()).toMatchObject({ version: 3, status: 'CANCELLED', stock: 'REJECTED' });
    expect(orders.outbox).toEqual([]);
  });

  it('a reply about an order that does not exist goes to the DLQ at once as a PermanentError', async () => {
    const record = reply('points.awarded.v1');
    expect(failures(await run(record))).toEqual([]);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe(DLQ_URL);
    expect(sent.MessageAttributes![DLQ_ATTRIBUTES.errorClass]!.StringValue).toBe('PermanentError');
    expect(sent.MessageAttributes![DLQ_ATTRIBUTES.errorMessage]!.StringValue).toContain(`order ${ORDER_ID} does not exist`);
    expect(transactions()).toEqual([]);
  });

  it('a redelivered event that was already applied changes nothing', async () => {
    orders.put(pendingOrder());
    const record = reply('inventory.reserved.v1');
    await run(record);
    // an SQS redelivery: its marker is read first, and it does not run
    expect(failures(await run({ ...record, messageId: 'dup', attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }))).toEqual([]);
    expect(updates()).toHaveLength(1);
    expect(orders.order().version).toBe(2);
    // the same event sent again (a first delivery): it runs, finds the fact recorded, writes nothing, and its marker is refused
    expect(failures(await run({ ...record, messageId: 'resent' }))).toEqual([]);
    expect(updates()).toHaveLength(1);
    expect(transactions()).toEqual([]);
    expect(orders.order().version).toBe(2);
    expect(out.lines.filter((l) => l.outcome === 'duplicate').map((l) => l.message_id)).toEqual(['dup', 'resent']);
  });

  it('a version conflict on the single update is retried too (nothing applied, no marker)', async () => {
    orders.put(pendingOrder({ version: 1 }));
    orders.afterNextRead = () => orders.put(pendingOrder({ version: 2, risk_decision: 'approve' }));
    const record = reply('inventory.reserved.v1');
    expect(failures(await run(record))).toEqual([record.messageId]);
    expect(orders.order()).toMatchObject({ version: 2, stock: 'PENDING' });
    expect(idempotency.status(`orders-progress#${detailOf(record).event_id}`)).toBeUndefined();
    expect(out.lines.find((l) => l.message === 'record will be retried')?.error?.message).toContain('changed concurrently (now version 2)');
  });

  it('a re-run after the write went through but its marker was not put writes nothing: the order already holds the fact', async () => {
    orders.put(pendingOrder({ stock: 'RESERVED' }));
    const record = reply('risk.assessed.v1', { score: 17, decision: 'approve' });
    const id = `orders-progress#${detailOf(record).event_id}`;
    // The marker put fails after the order update committed (throttled; the SDK's retries spent).
    ddb.on(PutItemCommand).rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: {} }));
    expect(failures(await run(record))).toEqual([record.messageId]);
    expect(orders.order()).toMatchObject({ status: 'CONFIRMED', risk_score: 17, version: 2 });
    expect(idempotency.status(id)).toBeUndefined();

    // The redelivery finds no marker, runs again, and finds the fact on the order.
    ddb.on(PutItemCommand).callsFake((input) => idempotency.putItem(input));
    expect(failures(await run({ ...record, messageId: 'redelivered', attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }))).toEqual([]);
    expect(updates()).toHaveLength(1);
    expect(transactions()).toEqual([]);
    expect(orders.order()).toMatchObject({ status: 'CONFIRMED', risk_score: 17, version: 2 });
    expect(idempotency.status(id)).toBe('COMPLETED');
    expect(out.lines.some((l) => l.message === 'reply already recorded on the order')).toBe(true);
  });

});
