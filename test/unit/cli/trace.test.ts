import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli/main';
import { renderTrace, trace } from '../../../bin/cli/trace';
import { plugin as orders } from '../../../scripts/ops/orders-plugin';
import { deployment, mocks, NOW, resetMocks, testContext as baseContext } from './fixture';

/** The reference app's context: its orders plugin registered. */
const testContext = () => baseContext({ plugins: [orders] });

const inv = deployment().consumers[0]!;
const ORDER = 'ord_1';
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();

const order = marshall({ pk: `ORDER#${ORDER}`, order_id: ORDER, user_id: 'u1', currency: 'EUR', total_minor: 900, status: 'CONFIRMED', stock: 'RESERVED', risk_decision: 'approve', risk_score: 0, points: 9, created_at: at(300_000), updated_at: at(290_000), version: 4 });
const row = (id: string, type: string, status: 'PUBLISHED' | 'PENDING', createdAgo: number, detail: Record<string, unknown> = {}) =>
  marshall({
    event_id: id,
    source: 'courier.orders',
    detail_type: type,
    detail: JSON.stringify({ event_id: id, order_id: ORDER, ...detail }),
    status,
    created_at: NOW - createdAgo,
    ...(status === 'PUBLISHED' ? { published_at: NOW - createdAgo + 50 } : { pending: 'PENDING' }),
  });
const completed = { status: 'COMPLETED', expires_at: NOW / 1000 + 3600 };

function world(o: { order?: boolean; rows?: Record<string, unknown>[]; idem?: Record<string, Record<string, unknown>>; dlq?: unknown[]; failed?: Record<string, unknown>[] }) {
  mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-table' }).resolves(o.order === false ? {} : { Item: order });
  mocks.dynamodb.on(ScanCommand, { TableName: 'orders-outbox' }).resolves({ Items: (o.rows ?? []) as never });
  mocks.dynamodb.on(ScanCommand, { TableName: 'risk-failed' }).resolves({ Items: (o.failed ?? []) as never });
  mocks.dynamodb.on(GetItemCommand, { TableName: 'inventory-idem' }).resolves({});
  mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-idem' }).resolves({});
  // an outbox row by its event id, as tracing an event id looks it up
  mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-outbox' }).resolves({});
  for (const r of (o.rows ?? []) as Record<string, { S?: string }>[]) {
    mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-outbox', Key: marshall({ event_id: r.event_id!.S }) }).resolves({ Item: r as never });
  }
  // specific keys after the general table matchers: the later, more specific stub answers
  for (const [id, item] of Object.entries(o.idem ?? {})) {
    const table = id.startsWith('inventory-orders') ? 'inventory-idem' : 'orders-idem';
    mocks.dynamodb.on(GetItemCommand, { TableName: table, Key: marshall({ id }) }).resolves({ Item: marshall({ id, ...item }) });
  }
  mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { ApproximateNumberOfMessages: input.QueueUrl === inv.dlqUrl ? String(o.dlq?.length ?? 0) : '0' },
  }));
  mocks.sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: (o.dlq ?? []) as never }).resolves({});
  mocks.sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
}

const attrs = (a: Record<string, string>) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]));

describe('trace', () => {
  beforeEach(() => resetMocks());

  it('builds a sorted timeline and says all consumers completed', async () => {
    world({
      rows: [row('e2', 'inventory.reserved.v1', 'PUBLISHED', 200_000), row('e1', 'order.created.v1', 'PUBLISHED', 299_000)],
      idem: { 'inventory-orders#e1': completed, 'orders-progress#e2': completed },
    });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.subject?.label).toBe(`order ${ORDER}`);
    expect(r.subject?.record).toMatchObject({ status: 'CONFIRMED' });
    expect(r.subject?.record).not.toHaveProperty('pk');
    expect(r.events.map((e) => [e.detailType, e.status, e.consumers.map((c) => `${c.consumer}:${c.record}`)])).toEqual([
      ['order.created.v1', 'PUBLISHED', ['inventory-orders:COMPLETED']],
      ['inventory.reserved.v1', 'PUBLISHED', ['orders-progress:COMPLETED']],
    ]);
    expect(r.problems).toEqual([]);
    expect(r.diagnosis).toBe('all consumers completed; order CONFIRMED');
    const times = r.timeline.map((t) => t.at!);
    expect([...times].sort()).toEqual(times);
    const scan = mocks.dynamodb.commandCalls(ScanCommand).find((c) => c.args[0].input.TableName === 'orders-outbox')!.args[0].input;
    expect(scan.FilterExpression).toBe('contains(#d, :k) OR event_id = :k');
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0); // empty DLQs are not peeked
    const text = renderTrace(r);
    expect(text).toContain('diagnosis: all consumers completed; order CONFIRMED');
    expect(text).toContain('inventory-orders: order.created.v1 completed');
  });

  it('prints the X-Ray trace id an outbox row carries, to open the order’s trace in the console', async () => {
    const traced = row('e1', 'order.created.v1', 'PUBLISHED', 299_000, { traceparent: '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01' });
    world({ rows: [traced, row('e2', 'inventory.reserved.v1', 'PUBLISHED', 200_000)] });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.events.map((e) => [e.eventId, e.traceId])).toEqual([['e1', '1-5759e988-bd862e3fe1be46a994272793'], ['e2', undefined]]);
    expect(renderTrace(r)).toContain('orders outbox: order.created.v1 e1 written (trace 1-5759e988-bd862e3fe1be46a994272793)');
  });

  it('names the consumer whose DLQ holds the event and why', async () => {
    world({
      rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000)],
      dlq: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'r1',
          Body: JSON.stringify({ detail: { event_id: 'e1', order_id: ORDER } }),
          Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(NOW - 250_000) },
          MessageAttributes: attrs({ 'courier.error_class': 'ContractViolation', 'courier.error_message': 'lines[0].qty: expected >= 1', 'courier.event_id': 'e1', 'courier.detail_type': 'order.created.v1', 'courier.first_failed_at': at(250_000) }),
        },
        { MessageId: 'other', ReceiptHandle: 'r2', Body: JSON.stringify({ detail: { event_id: 'zz', order_id: 'ord_other' } }), Attributes: {} },
      ],
    });
    const { ctx, out } = testContext();
    expect(await main(['trace', ORDER, '--json'], ctx)).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.dlq).toHaveLength(1);
    expect(r.dlq[0]).toMatchObject({ consumer: 'inventory-orders', kind: 'dlq', message: { errorClass: 'ContractViolation' } });
    expect(r.dlq[0].message).not.toHaveProperty('body');
    expect(r.diagnosis).toBe('inventory-orders has no record of order.created.v1 e1 and its DLQ holds it: ContractViolation: lines[0].qty: expected >= 1');
  });

  it('finds DLQ messages of events no outbox knows (published directly), by business key', async () => {
    world({
      rows: [],
      dlq: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: 'x9', order_id: ORDER } }), Attributes: { ApproximateReceiveCount: '5' } }],
    });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.events).toEqual([expect.objectContaining({ eventId: 'x9', origin: 'dlq', status: 'UNKNOWN' })]);
    expect(r.diagnosis).toContain('inventory-orders has no record of order.created.v1 x9 and its DLQ holds it: RedriveExhausted');
  });

  it('says an old PENDING outbox row was never published, with the command to run', async () => {
    world({ rows: [row('e1', 'order.created.v1', 'PENDING', 600_000)] });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.diagnosis).toBe('outbox row order.created.v1 e1 never published (pending 10m00s): relay not running? try `courier outbox retry --service orders`');
  });

  it('treats a young PENDING row and a recent publish as in flight', async () => {
    world({ rows: [row('e1', 'order.created.v1', 'PENDING', 2_000), row('e2', 'inventory.reserved.v1', 'PUBLISHED', 3_000)] });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.problems.every((p) => p.includes('in flight'))).toBe(true);
  });

  it('spots IN_PROGRESS past its lease, and a published event nobody processed', async () => {
    world({
      rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000), row('e2', 'inventory.reserved.v1', 'PUBLISHED', 200_000)],
      idem: { 'inventory-orders#e1': { status: 'IN_PROGRESS', lease_expires_at: NOW - 60_000, expires_at: NOW / 1000 + 3600 } },
    });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.events[0]!.consumers[0]).toMatchObject({ record: 'LEASE_EXPIRED', leaseExpiresAt: at(60_000) });
    expect(r.diagnosis).toContain('inventory-orders is in progress on order.created.v1 e1 past its lease');
    expect(r.diagnosis).toContain('consumer crashed or timed out');
    expect(r.problems[1]).toContain('orders-progress has no record of inventory.reserved.v1 e2 and nothing in its DLQs');
  });

  it('treats an idempotency record past expires_at as absent', async () => {
    world({ rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000)], idem: { 'inventory-orders#e1': { status: 'COMPLETED', expires_at: NOW / 1000 - 1 } } });
    const { ctx } = testContext();
    expect((await trace(ctx, ORDER)).events[0]!.consumers[0]!.record).toBe('NONE');
  });

  it('reports parked failed-message rows', async () => {
    world({
      rows: [],
      failed: [
        marshall({ event_id: 'r1', entry: JSON.stringify({ Source: 'courier.risk', DetailType: 'risk.assessed.v1', Detail: JSON.stringify({ order_id: ORDER }) }), error: 'EntryTooLarge: big', attempts: 1, status: 'PARKED', parked_at: NOW - 1000, next_attempt_at: NOW }),
      ],
    });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    expect(r.events[0]).toMatchObject({ eventId: 'r1', origin: 'failed-messages', status: 'PARKED' });
    expect(r.diagnosis).toBe('risk.assessed.v1 r1 parked in the risk failed-message store after 1 attempt(s): EntryTooLarge: big; fix, then `courier failed retry --event-id r1`');
  });

  it("shows a cancelled order's compensations as the services reported them, and an outbox row parked", async () => {
    world({ rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000), { ...row('e3', 'inventory.released.v1', 'PENDING', 100_000), status: { S: 'PARKED' } }], idem: { 'inventory-orders#e1': completed } });
    // the order as the compensations left it (the later, more specific stub answers)
    mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-table' }).resolves({
      Item: { ...order, status: { S: 'CANCELLED' }, ...marshall({ released_lines: [{ sku: 'SKU-TEA', qty: 2 }], revoked_points: 9 }) },
    });
    const { ctx } = testContext();
    const r = await trace(ctx, ORDER);
    const now = r.timeline.find((t) => t.what.startsWith('order now'))!.what;
    expect(now).toContain('status CANCELLED');
    expect(now).toContain('compensated: stock released (SKU-TEA × 2), points revoked (9)');
    expect(r.events.find((e) => e.eventId === 'e3')!.status).toBe('PARKED');
    expect(r.problems[0]).toContain('outbox row inventory.released.v1 e3 parked');
  });

  it('follows an event id to its order', async () => {
    world({ rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000)], idem: { 'inventory-orders#e1': completed } });
    mocks.dynamodb.on(GetItemCommand, { TableName: 'orders-table', Key: marshall({ pk: 'ORDER#e1' }) }).resolves({});
    const { ctx } = testContext();
    const r = await trace(ctx, 'e1');
    expect(r.subject?.record).toMatchObject({ order_id: ORDER });
    expect(r.notes).toContainEqual(expect.stringContaining('e1 is event order.created.v1 about ord_1; traced ord_1'));
    expect(r.diagnosis).toBe('all consumers completed; order CONFIRMED');
  });

  it('exits 1 when nothing is known about the key', async () => {
    world({ order: false, rows: [] });
    const { ctx, out } = testContext();
    expect(await main(['trace', 'ord_unknown'], ctx)).toBe(1);
    expect(out.stdout).toContain('diagnosis: nothing found for ord_unknown');
  });
});

describe('trace by the event id of a poisoned message', () => {
  beforeEach(() => resetMocks());

  it('finds it in a DLQ even when no order or outbox row knows it', async () => {
    world({
      order: false,
      rows: [],
      dlq: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'r1',
          Body: '{"detail-type": "order.created.v1", "detail": {"event_id": "p1"',
          Attributes: { ApproximateReceiveCount: '1' },
          MessageAttributes: attrs({ 'courier.error_class': 'MalformedJson', 'courier.error_message': 'Unexpected end of JSON input', 'courier.event_id': 'p1' }),
        },
      ],
    });
    const { ctx, out } = testContext();
    expect(await main(['trace', 'p1'], ctx)).toBe(0);
    expect(out.stdout).toContain('diagnosis: inventory-orders has no record of event p1 and its DLQ holds it: MalformedJson: Unexpected end of JSON input');
  });
});

describe('trace without a plugin (any app)', () => {
  beforeEach(() => resetMocks());

  it('traces an event id: its outbox row, every receiving consumer, and says no plugin is registered', async () => {
    world({ order: false, rows: [row('e1', 'order.created.v1', 'PUBLISHED', 299_000)], idem: { 'inventory-orders#e1': completed } });
    const { ctx } = baseContext();
    const r = await trace(ctx, 'e1');
    expect(r.subject).toBeUndefined();
    expect(r.events.map((e) => [e.eventId, e.consumers.map((c) => `${c.consumer}:${c.record}`)])).toEqual([['e1', ['inventory-orders:COMPLETED']]]);
    expect(r.diagnosis).toBe('all consumers completed');
    expect(r.notes).toContainEqual(expect.stringContaining('no trace plugin registered'));
    // no domain table is read: the orders table belongs to the plugin
    expect(mocks.dynamodb.commandCalls(GetItemCommand).some((c) => c.args[0].input.TableName === 'orders-table')).toBe(false);
  });
});
