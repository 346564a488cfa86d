import {
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_ID_PATTERN } from '../../../functions/contracts/event-id';
import type { OrderItem } from '../../../functions/orders/order-record';

const ddb = mockClient(DynamoDBClient);
const bus = mockClient(EventBridgeClient);
const ORDERS = 'orders';
const OUTBOX = 'outbox';

let handler: (request: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Puts with `attribute_not_exists` (or an expired `expires_at`) conditions, applied atomically as DynamoDB does. */
class FakeTables {
  tables: Record<string, Map<string, Record<string, unknown>>> = { [ORDERS]: new Map(), [OUTBOX]: new Map() };

  transact(input: TransactWriteItemsCommandInput) {
    const puts = input.TransactItems!.map((t) => {
      if (!t.Put) throw new Error('only Puts expected');
      const item = unmarshall(t.Put.Item!);
      return { table: this.tables[t.Put.TableName!]!, key: String(item.pk ?? item.event_id), item, put: t.Put };
    });
    const reasons = puts.map(({ table, key, put }) => {
      const existing = table.get(key);
      const now = put.ExpressionAttributeValues?.[':now'] ? Number(put.ExpressionAttributeValues[':now'].N) : undefined;
      const free = !existing || (now !== undefined && (existing.expires_at as number) < now);
      return { Code: free ? 'None' : 'ConditionalCheckFailed' };
    });
    if (reasons.some((r) => r.Code !== 'None')) throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    for (const { table, key, item } of puts) table.set(key, item);
    return {};
  }

  get(table: string, pk: string) {
    const item = this.tables[table]!.get(pk);
    return item ? { Item: marshall(item) } : {};
  }

  orders = () => [...this.tables[ORDERS]!.values()].filter((i) => String(i.pk).startsWith('ORDER#'));
  outbox = () => [...this.tables[OUTBOX]!.values()];
}
let fake: FakeTables;

const ACCOUNT = '123456789012';
/** The role the stack creates for users:on-behalf-of, and a session of it. */
const AGENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/CourierOrders-HttpUsersOnBehalfOfRole-X1`;
const AGENT = { iam: { userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/CourierOrders-HttpUsersOnBehalfOfRole-X1/checkout`, accountId: ACCOUNT } };
/** Authenticated by IAM but not holding the role (an admin, a CI user). */
const PLAIN_IAM = { iam: { userArn: `arn:aws:iam::${ACCOUNT}:user/ci`, accountId: ACCOUNT } };
/** An end user signed in with a JWT. */
const signedIn = (sub: string) => ({ jwt: { claims: { sub, scope: 'openid' }, scopes: null } });
type Authorizer = ReturnType<typeof signedIn> | typeof AGENT | undefined;

/** As API Gateway delivers it; by default from user-42 (the order's customer) with a JWT. */
const request = (routeKey: string, over: { body?: string; headers?: Record<string, string>; id?: string; caller?: Authorizer } = {}) =>
  ({
    routeKey,
    rawPath: routeKey.split(' ')[1],
    headers: over.headers ?? {},
    body: over.body,
    isBase64Encoded: false,
    pathParameters: over.id === undefined ? undefined : { id: over.id },
    requestContext: { requestId: 'req-1', ...('caller' in over ? (over.caller ? { authorizer: over.caller } : {}) : { authorizer: signedIn('user-42') }) },
  }) as unknown as APIGatewayProxyEventV2;

const call = async (req: APIGatewayProxyEventV2) => {
  const res = await handler(req);
  return { status: res.statusCode, headers: res.headers ?? {}, body: JSON.parse(res.body as string) };
};

const order = {
  user_id: 'user-42',
  currency: 'EUR',
  lines: [
    { sku: 'SKU-RED-MUG', qty: 2, unit_price_minor: 1099 },
    { sku: 'SKU-TEA', qty: 1, unit_price_minor: 400 },
  ],
};
const post = (body: unknown = order, headers: Record<string, string> = {}, caller: Authorizer = signedIn('user-42')) =>
  call(request('POST /orders', { body: typeof body === 'string' ? body : JSON.stringify(body), headers, caller }));
const transactions = () => ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    ORDERS_TABLE: ORDERS,
    OUTBOX_TABLE: OUTBOX,
    COURIER_API_AUTH: 'iam',
    COURIER_API_PERMISSION_ROLES: JSON.stringify({ 'users:on-behalf-of': AGENT_ROLE }),
  });
  ({ handler } = (await import('../../../functions/orders/api')) as unknown as { handler: typeof handler });
});
beforeEach(() => {
  ddb.reset();
  bus.reset();
  fake = new FakeTables();
  ddb.on(TransactWriteItemsCommand).callsFake((input) => fake.transact(input));
  ddb.on(GetItemCommand).callsFake((input) => fake.get(input.TableName, input.Key.pk.S));
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
});
afterEach(() => {
  vi.restoreAllMocks();
  // The request path never touches the bus: the relay announces from the outbox.
  expect(bus.calls()).toHaveLength(0);
});

describe('POST /orders', () => {
  it('writes the order and its order.created.v1 outbox row in one transaction and answers 202', async () => {
    const res = await post();
    expect(res.status).toBe(202);
    const orderId = res.body.order_id as string;
    expect(orderId).toMatch(/^ord_[0-9a-f-]{36}$/);
    expect(res.body).toEqual({ order_id: orderId, status: 'PENDING', links: { self: `/orders/${orderId}` } });
    expect(res.headers.location).toBe(`/orders/${orderId}`);
    expect(res.headers['idempotent-replay']).toBeUndefined();

    const [tx] = transactions();
    expect(transactions()).toHaveLength(1);
    expect(tx).toHaveLength(2);
    expect(tx![0]!.Put).toMatchObject({ TableName: ORDERS, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(unmarshall(tx![0]!.Put!.Item!)).toEqual({
      pk: `ORDER#${orderId}`,
      order_id: orderId,
      user_id: 'user-42',
      currency: 'EUR',
      lines: order.lines,
      total_minor: 2598,
      status: 'PENDING',
      stock: 'PENDING',
      correlation_id: orderId, // no caller correlation id: the chain is named after the order
      created_at: expect.any(String),
      updated_at: expect.any(String),
      version: 1,
    });
    expect(tx![1]!.Put).toMatchObject({ TableName: OUTBOX, ConditionExpression: 'attribute_not_exists(event_id)' });
    const row = unmarshall(tx![1]!.Put!.Item!);
    expect(row).toMatchObject({ source: 'courier.orders', detail_type: 'order.created.v1', status: 'PENDING', pending: 'PENDING' });
    const detail = JSON.parse(row.detail);
    expect(detail).toEqual({
      order_id: orderId,
      user_id: 'user-42',
      lines: [{ sku: 'SKU-RED-MUG', qty: 2 }, { sku: 'SKU-TEA', qty: 1 }], // prices stay in the orders service
      total_minor: 2598,
      currency: 'EUR',
      event_id: row.event_id,
      occurred_at: expect.any(String),
      version: 1,
      correlation_id: orderId,
    });
    expect(detail.event_id).toMatch(EVENT_ID_PATTERN);
  });

  it('with an Idempotency-Key: also writes IDEMPOTENCY#<key> (order id, body hash, TTL) in the same transaction', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await post(order, { 'Idempotency-Key': 'checkout-7f3a', 'X-Correlation-Id': 'web-req-91' });
    expect(res.status).toBe(202);
    const [tx] = transactions();
    expect(tx).toHaveLength(3);
    expect(tx![1]!.Put).toMatchObject({ TableName: ORDERS, ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now' });
    const idem = unmarshall(tx![1]!.Put!.Item!);
    expect(idem).toEqual({ pk: 'IDEMPOTENCY#checkout-7f3a', order_id: res.body.order_id, request_hash: expect.stringMatching(/^[0-9a-f]{64}$/), created_at: expect.any(String), expires_at: expect.any(Number) });
    expect(idem.expires_at - before).toBeGreaterThanOrEqual(24 * 3600);
    expect(idem.expires_at - before).toBeLessThan(24 * 3600 + 5);
    expect(unmarshall(tx![0]!.Put!.Item!)).toMatchObject({ idempotency_key: 'checkout-7f3a', correlation_id: 'web-req-91' });
    expect(JSON.parse(unmarshall(tx![2]!.Put!.Item!).detail).correlation_id).toBe('web-req-91');
  });

  it('ignores a malformed X-Correlation-Id (the chain starts here)', async () => {
    const res = await post(order, { 'x-correlation-id': 'has spaces in it' });
    expect(res.status).toBe(202);
    expect(JSON.parse(fake.outbox()[0]!.detail as string).correlation_id).toBe(res.body.order_id);
  });

  it('answers 400 with every error path and writes nothing', async () => {
    const res = await post({ user_id: 'user 42', currency: 'eur', lines: [{ sku: 'SKU-TEA', qty: 0, unit_price_minor: 1.5 }], coupon: 'X' });
    expect(res.status).toBe(400);
    expect(res.body.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['', 'currency', 'lines[0].qty', 'lines[0].unit_price_minor', 'user_id']);
    expect((await post('{"user_id":')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 413 above 64 KB and writes nothing', async () => {
    const res = await post(JSON.stringify({ ...order, padding: 'x'.repeat(64 * 1024) }));
    expect(res.status).toBe(413);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 400 for an Idempotency-Key that is empty, too long or unsafe', async () => {
    for (const key of ['', 'k'.repeat(129), 'two words', 'ключ', '-leading-dash']) {
      const res = await post(order, { 'idempotency-key': key });
      expect(res.status, key).toBe(400);
      expect(res.body.message).toContain('Idempotency-Key');
    }
    expect((await post(order, { 'idempotency-key': 'k'.repeat(128) })).status).toBe(202);
    expect(transactions()).toHaveLength(1);
  });

  it('a retried POST with the same key and body returns the same order, marked as a replay, and creates nothing', async () => {
    const first = await post(order, { 'idempotency-key': 'retry-1' });
    // The same request serialised differently (key order, whitespace) is the same request.
    const reordered = JSON.stringify({ lines: order.lines.map(({ unit_price_minor, qty, sku }) => ({ unit_price_minor, qty, sku })), currency: 'EUR', user_id: 'user-42' }, null, 2);
    const second = await post(reordered, { 'idempotency-key': 'retry-1' });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replay']).toBe('true');
    expect(second.headers.location).toBe(first.headers.location);
    expect(fake.orders()).toHaveLength(1);
    expect(fake.outbox()).toHaveLength(1);
    // The replay read the idempotency item consistently.
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: ORDERS, Key: { pk: { S: 'IDEMPOTENCY#retry-1' } }, ConsistentRead: true });
  });

  it('the same key with a different body is refused with 422 and creates nothing', async () => {
    await post(order, { 'idempotency-key': 'retry-2' });
    const res = await post({ ...order, currency: 'USD' }, { 'idempotency-key': 'retry-2' });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('different request body');
    expect(fake.orders()).toHaveLength(1);
    expect(fake.outbox()).toHaveLength(1);
  });

  it('the same key with the same user and currency but other lines is refused with 422 (the hash covers the lines)', async () => {
    await post(order, { 'idempotency-key': 'retry-3' });
    for (const lines of [[order.lines[0]], [{ ...order.lines[0]!, qty: 3 }, order.lines[1]], [order.lines[1], order.lines[0]]]) {
      const res = await post({ ...order, lines }, { 'idempotency-key': 'retry-3' });
      expect(res.status, JSON.stringify(lines)).toBe(422);
    }
    expect(fake.orders()).toHaveLength(1);
    expect(fake.outbox()).toHaveLength(1);
  });

  it('answers 400 on lines when every line is within bounds but the total exceeds what order.created.v1 carries (1e11)', async () => {
    const res = await post({ ...order, lines: [{ sku: 'SKU-GOLD', qty: 1001, unit_price_minor: 99_999_999 }] });
    expect(res.status).toBe(400);
    expect(res.body.details.errors).toEqual([{ path: 'lines', message: expect.stringContaining('at most 100000000000 minor units') }]);
    // beside another field's error too; but a line with its own error is reported alone (its total means nothing)
    expect((await post({ ...order, user_id: 'no spaces allowed', lines: [{ sku: 'SKU-GOLD', qty: 1001, unit_price_minor: 99_999_999 }] })).body.details.errors.map((e: { path: string }) => e.path)).toEqual(['user_id', 'lines']);
    expect((await post({ ...order, lines: [{ sku: 'SKU-TEA', qty: -1, unit_price_minor: 1 }] })).body.details.errors.map((e: { path: string }) => e.path)).toEqual(['lines[0].qty']);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('an expired key creates a new order', async () => {
    fake.tables[ORDERS]!.set('IDEMPOTENCY#old', { pk: 'IDEMPOTENCY#old', order_id: 'ord_gone', request_hash: 'x', expires_at: Math.floor(Date.now() / 1000) - 10 });
    const res = await post(order, { 'idempotency-key': 'old' });
    expect(res.status).toBe(202);
    expect(res.body.order_id).not.toBe('ord_gone');
    expect(fake.tables[ORDERS]!.get('IDEMPOTENCY#old')!.order_id).toBe(res.body.order_id);
  });

  it('answers 409 while a concurrent request with the same key holds it (TransactionConflict)', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }, { Code: 'None' }] }),
    );
    const res = await post(order, { 'idempotency-key': 'racing' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('in progress');
  });

  it('answers 500 without internals when DynamoDB fails', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new Error('socket hang up'));
    const res = await post();
    expect(res).toMatchObject({ status: 500, body: { message: 'internal error', request_id: 'req-1' } });
  });
});

const stored = (over: Partial<OrderItem> = {}): OrderItem => ({
  pk: 'ORDER#ord_1',
  order_id: 'ord_1',
  user_id: 'user-42',
  currency: 'EUR',
  lines: order.lines,
  total_minor: 2598,
  status: 'PENDING',
  stock: 'PENDING',
  correlation_id: 'chain-1',
  created_at: '2026-11-28T10:15:30.000Z',
  updated_at: '2026-11-28T10:15:31.000Z',
  version: 1,
  ...over,
});
const seed = (item: OrderItem) => fake.tables[ORDERS]!.set(item.pk, { ...item });

describe('GET /orders/{id}', () => {
  it('shows the order and its progress (read consistently)', async () => {
    seed(stored({ status: 'REJECTED', status_reason: 'out_of_stock', stock: 'REJECTED', stock_reason: 'out_of_stock', rejected_skus: ['SKU-TEA'], risk_score: 17, risk_decision: 'approve', points: 25, version: 4 }));
    const res = await call(request('GET /orders/{id}', { id: 'ord_1' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      order_id: 'ord_1',
      user_id: 'user-42',
      status: 'REJECTED',
      status_reason: 'out_of_stock',
      currency: 'EUR',
      total_minor: 2598,
      lines: order.lines,
      progress: { stock: { state: 'REJECTED', reason: 'out_of_stock', skus: ['SKU-TEA'] }, risk: { score: 17, decision: 'approve' }, points: 25 },
      // rejected: its compensations are pending until inventory and points report them (order-view.test.ts)
      compensations: { stock: { state: 'PENDING' }, points: { state: 'PENDING' } },
      correlation_id: 'chain-1',
      created_at: '2026-11-28T10:15:30.000Z',
      updated_at: '2026-11-28T10:15:31.000Z',
      links: { self: '/orders/ord_1' },
    });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toEqual({ TableName: ORDERS, Key: { pk: { S: 'ORDER#ord_1' } }, ConsistentRead: true });
  });

  it('shows unknown progress as pending / null', async () => {
    seed(stored());
    const res = await call(request('GET /orders/{id}', { id: 'ord_1' }));
    expect(res.body.progress).toEqual({ stock: { state: 'PENDING' }, risk: null, points: null });
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    expect(await call(request('GET /orders/{id}', { id: 'ord_nope' }))).toMatchObject({ status: 404, body: { message: 'no order ord_nope' } });
    expect((await call(request('GET /orders/{id}', { id: '../etc' }))).status).toBe(400);
  });
});

describe('POST /orders/{id}/cancel', () => {
  /** The cancel transaction is an Update: answer it with a mock instead of the Put-only fake. */
  const acceptTransactions = () => ddb.on(TransactWriteItemsCommand).resolves({});
  const cancel = (over: { body?: string; headers?: Record<string, string> } = {}) => call(request('POST /orders/{id}/cancel', { id: 'ord_1', ...over }));

  it('cancels a live order: conditional Update (status in PENDING/CONFIRMED/IN_REVIEW, version + 1) and order.cancelled.v1 in one transaction', async () => {
    seed(stored({ status: 'CONFIRMED', version: 3 }));
    acceptTransactions();
    const res = await cancel({ body: JSON.stringify({ reason: 'changed my mind' }) });
    expect(res).toMatchObject({ status: 202, body: { order_id: 'ord_1', status: 'CANCELLED', links: { self: '/orders/ord_1' } } });

    const [tx] = transactions();
    expect(tx).toHaveLength(2);
    const update = tx![0]!.Update!;
    expect(update).toMatchObject({ TableName: ORDERS, Key: { pk: { S: 'ORDER#ord_1' } }, ConditionExpression: '#status IN (:cancellable0, :cancellable1, :cancellable2)' });
    expect(update.UpdateExpression).toContain('#version = #version + :one');
    expect(update.ExpressionAttributeNames).toMatchObject({ '#status': 'status', '#version': 'version' });
    expect(unmarshall(update.ExpressionAttributeValues!)).toMatchObject({
      ':cancellable0': 'PENDING',
      ':cancellable1': 'CONFIRMED',
      ':cancellable2': 'IN_REVIEW',
      ':set_status': 'CANCELLED',
      ':set_status_reason': 'changed my mind',
      ':one': 1,
    });
    expect(tx![1]!.Put!.TableName).toBe(OUTBOX);
    const row = unmarshall(tx![1]!.Put!.Item!);
    expect(row.detail_type).toBe('order.cancelled.v1');
    expect(JSON.parse(row.detail)).toMatchObject({ order_id: 'ord_1', user_id: 'user-42', reason: 'changed my mind', correlation_id: 'chain-1' });
  });

  it('takes no body (no reason) and a caller correlation id', async () => {
    seed(stored());
    acceptTransactions();
    expect((await cancel({ headers: { 'x-correlation-id': 'support-ticket-12' } })).status).toBe(202);
    const [tx] = transactions();
    expect(unmarshall(tx![0]!.Update!.ExpressionAttributeValues!)[':set_status_reason']).toBeUndefined();
    const detail = JSON.parse(unmarshall(tx![1]!.Put!.Item!).detail);
    expect(detail.reason).toBeUndefined();
    expect(detail.correlation_id).toBe('support-ticket-12');
  });

  it('answers 400 for an invalid body', async () => {
    seed(stored());
    expect((await cancel({ body: JSON.stringify({ reason: '' }) })).status).toBe(400);
    expect((await cancel({ body: JSON.stringify({ why: 'x' }) })).status).toBe(400);
    expect(transactions()).toHaveLength(0);
  });

  it('answers 404 for an unknown order', async () => {
    expect((await cancel()).status).toBe(404);
    expect(transactions()).toHaveLength(0);
  });

  it('answers 409 naming the state when the order is already final', async () => {
    for (const status of ['REJECTED', 'CANCELLED'] as const) {
      seed(stored({ status }));
      expect(await cancel()).toMatchObject({ status: 409, body: { message: `order ord_1 is already ${status}`, details: { status } } });
    }
    expect(transactions()).toHaveLength(0);
  });

  it('answers 409 when the order turned final between the read and the write (condition failed), writing nothing', async () => {
    seed(stored());
    ddb.on(TransactWriteItemsCommand).callsFake(() => {
      seed(stored({ status: 'REJECTED', version: 2 }));
      throw new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });
    });
    expect(await cancel()).toMatchObject({ status: 409, body: { message: 'order ord_1 is already REJECTED' } });
  });
});

describe('who may place, read and cancel', () => {
  const routes = [
    () => request('POST /orders', { body: JSON.stringify(order), caller: undefined }),
    () => request('GET /orders/{id}', { id: 'ord_1', caller: undefined }),
    () => request('POST /orders/{id}/cancel', { id: 'ord_1', caller: undefined }),
  ];

  it('answers 401 to a request without a caller identity, on every route, before reading or writing anything', async () => {
    seed(stored());
    for (const req of routes) expect(await call(req())).toMatchObject({ status: 401, body: { message: expect.stringContaining('no caller identity') } });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses (403) a body naming another user than the signed-in one, writing nothing', async () => {
    const res = await post(order, {}, signedIn('mallory'));
    expect(res).toMatchObject({ status: 403, body: { message: 'user_id names user user-42, but this request acts for mallory' } });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('an IAM caller places orders only for the user in x-courier-on-behalf-of, and only with the users:on-behalf-of role', async () => {
    const forUser = { 'x-courier-on-behalf-of': 'user-42' };
    expect((await post(order, forUser, AGENT)).status).toBe(202);
    expect(fake.orders()[0]).toMatchObject({ user_id: 'user-42' });
    // the role without naming the customer, the role naming another one, the header without the role
    expect(await post(order, {}, AGENT)).toMatchObject({ status: 403, body: { message: expect.stringContaining('acts for no user') } });
    expect((await post(order, { 'x-courier-on-behalf-of': 'user-7' }, AGENT)).status).toBe(403);
    expect(await post(order, forUser, PLAIN_IAM)).toMatchObject({ status: 403, body: { message: expect.stringContaining('needs the users:on-behalf-of permission') } });
    expect((await post(order, {}, PLAIN_IAM)).status).toBe(403);
    // an end user cannot borrow the header to become someone else
    expect((await post(order, forUser, signedIn('mallory'))).status).toBe(403);
    expect(fake.orders()).toHaveLength(1);
  });

  it('an order is shown to its owner and to an operator (the role, acting as itself), refused (403) to anyone else', async () => {
    seed(stored());
    const get = (caller: Authorizer, headers: Record<string, string> = {}) => call(request('GET /orders/{id}', { id: 'ord_1', caller, headers }));
    expect((await get(signedIn('user-42'))).status).toBe(200);
    expect((await get(AGENT)).status).toBe(200);
    expect((await get(AGENT, { 'x-courier-on-behalf-of': 'user-42' })).status).toBe(200);
    expect(await get(signedIn('mallory'))).toMatchObject({ status: 403, body: { message: 'order ord_1 belongs to another user' } });
    expect((await get(AGENT, { 'x-courier-on-behalf-of': 'user-7' })).status).toBe(403);
    expect((await get(PLAIN_IAM)).status).toBe(403);
  });

  it('a cancel of someone else’s order is refused (403) without a write; an operator may cancel any', async () => {
    seed(stored());
    ddb.on(TransactWriteItemsCommand).resolves({});
    const cancel = (caller: Authorizer) => call(request('POST /orders/{id}/cancel', { id: 'ord_1', caller }));
    expect(await cancel(signedIn('mallory'))).toMatchObject({ status: 403, body: { message: 'order ord_1 belongs to another user' } });
    expect((await cancel(PLAIN_IAM)).status).toBe(403);
    expect(transactions()).toHaveLength(0);
    expect((await cancel(AGENT)).status).toBe(202);
    expect(transactions()).toHaveLength(1);
  });
});
