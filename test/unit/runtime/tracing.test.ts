import { BatchGetItemCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  formatTraceparent,
  formatXRayTraceHeader,
  parseTraceparent,
  parseXRayTraceHeader,
  traceIdOfDetail,
  xrayTraceId,
} from '../../../functions/contracts/trace-context';
import { OrderCreatedV1, OrderCancelledV1 } from '../../../functions/events/orders';
import { InventoryReservedV1 } from '../../../functions/events/inventory';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { outboxWrites } from '../../../functions/runtime/outbox/writes';
import { createOutboxRelay } from '../../../functions/runtime/outbox/relay';
import { createOutboxTable } from '../../../functions/runtime/outbox/table';
import { outgoing } from '../../../functions/runtime/publish/outgoing';
import { withTrace } from '../../../functions/runtime/support/trace-scope';
import { validDetails } from '../../fixtures/details';
import { ddbClient, item, ok, response, storedEntry, T0, testPublisher } from '../publisher/helpers';
import { captureStdout, DLQ_URL, fakeContext, InMemoryIdempotencyTable, orderRecord, TABLE } from './helpers';

const ORDER_TRACE = { traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true };
const ORDER_TRACEPARENT = '00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01';
const ORDER_XRAY_ID = '1-5759e988-bd862e3fe1be46a994272793';
const INVOCATION_HEADER = 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=1111222233334444;Sampled=1';
const INVOCATION_XRAY_ID = '1-67a1b2c3-0123456789abcdef01234567';

describe('trace context: one trace id, two spellings', () => {
  it('converts between traceparent and the X-Ray header without losing anything', () => {
    expect(parseTraceparent(ORDER_TRACEPARENT)).toEqual(ORDER_TRACE);
    expect(formatTraceparent(ORDER_TRACE)).toBe(ORDER_TRACEPARENT);
    const header = formatXRayTraceHeader(ORDER_TRACE);
    expect(header).toBe(`Root=${ORDER_XRAY_ID};Parent=53995c3f42cd8ad8;Sampled=1`);
    expect(parseXRayTraceHeader(header)).toEqual(ORDER_TRACE);
    expect(parseXRayTraceHeader('Sampled=0;Lineage=a87bd80c:1|68fd508a:5;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793')).toEqual({ ...ORDER_TRACE, sampled: false });
    expect(xrayTraceId(ORDER_TRACE)).toBe(ORDER_XRAY_ID);
    expect(traceIdOfDetail(JSON.stringify({ traceparent: ORDER_TRACEPARENT }))).toBe(ORDER_XRAY_ID);
  });

  it.each([
    ['not a string', 42],
    ['another version', '01-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-53995c3f42cd8ad8-01'],
    ['an all-zero parent', '00-5759e988bd862e3fe1be46a994272793-0000000000000000-01'],
    ['upper-case hex', '00-5759E988BD862E3FE1BE46A994272793-53995C3F42CD8AD8-01'],
  ])('a traceparent with %s is no trace', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('an X-Ray header without a parent or with a malformed root is no trace', () => {
    expect(parseXRayTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1')).toBeUndefined();
    expect(parseXRayTraceHeader('Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8')).toBeUndefined();
    expect(traceIdOfDetail('{not json')).toBeUndefined();
  });

  it('the event contract accepts a traceparent and names the field when it is malformed', () => {
    const detail = validDetails()['order.created.v1']!;
    expect(OrderCreatedV1.parse({ ...detail, traceparent: ORDER_TRACEPARENT }).ok).toBe(true);
    const bad = OrderCreatedV1.parse({ ...detail, traceparent: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.issues.map((i) => i.path)).toEqual(['traceparent']);
  });
});

describe('ColdStart', () => {
  it('the first invocation of an environment is cold, writes one ColdStart metric (service, function_name), later ones are warm', async () => {
    vi.resetModules();
    const { startInvocation } = await import('../../../functions/runtime/support/invocation');
    process.env.POWERTOOLS_SERVICE_NAME = 'orders';
    const docs: any[] = [];
    const first = startInvocation(fakeContext(), (l) => docs.push(JSON.parse(l)));
    const second = startInvocation(fakeContext(), (l) => docs.push(JSON.parse(l)));
    delete process.env.POWERTOOLS_SERVICE_NAME;
    expect([first.coldStart, second.coldStart]).toEqual([true, false]);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ ColdStart: 1, service: 'orders', function_name: 'test-function' });
    expect(docs[0]._aws.CloudWatchMetrics[0]).toEqual({ Namespace: 'courier', Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] });
  });
});

describe('a consumer record runs in the trace that produced it', () => {
  const ddb = mockClient(DynamoDBClient);
  const sqs = mockClient(SQSClient);
  let out: ReturnType<typeof captureStdout>;
  beforeEach(() => {
    ddb.reset();
    sqs.reset();
    new InMemoryIdempotencyTable().install(ddb);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    Object.assign(process.env, { CONSUMER_NAME: 'inventory-orders', DLQ_URL, _X_AMZN_TRACE_ID: INVOCATION_HEADER });
    out = captureStdout();
  });
  afterEach(() => {
    out.restore();
    delete process.env._X_AMZN_TRACE_ID;
  });

  /** A handler that answers every order with an outbox row, as inventory does; the rows it built are kept. */
  function replying() {
    const replies: Record<string, any>[] = [];
    const handler = consumer({
      events: [OrderCreatedV1, OrderCancelledV1] as const,
      idempotency: { table: TABLE },
      handle: async (event, { log }) => {
        log.info('reserving');
        const { stored } = outboxWrites('outbox', [outgoing(InventoryReservedV1, { order_id: event.detail.order_id, lines: [{ sku: 'SKU-TEA', qty: 1 }] }, { causationId: event.detail.event_id })]);
        replies.push(JSON.parse(stored[0]!.entry.Detail!));
      },
    });
    return { handler, replies };
  }
  const linesOf = (messageId: string) => out.lines.filter((l) => l.message_id === messageId);

  it('its log lines carry the order’s trace id, and what its handler publishes continues that trace', async () => {
    const { handler, replies } = replying();
    const traced = orderRecord({ ...validDetails()['order.created.v1']!, traceparent: ORDER_TRACEPARENT });
    const untraced = orderRecord();
    await handler({ Records: [traced, untraced] }, fakeContext());

    expect(linesOf(traced.messageId).map((l) => [l.message, l.xray_trace_id])).toEqual([
      ['reserving', ORDER_XRAY_ID],
      ['record processed', ORDER_XRAY_ID],
    ]);
    expect(replies[0]!.traceparent).toBe(ORDER_TRACEPARENT);
    // a record without trace context stays on the consumer invocation's own trace
    expect(linesOf(untraced.messageId).map((l) => l.xray_trace_id)).toEqual([INVOCATION_XRAY_ID, INVOCATION_XRAY_ID]);
    expect(traceIdOfDetail(replies[1])).toBe(INVOCATION_XRAY_ID);
  });

  it('without a traceparent in the event, the AWSTraceHeader SQS delivered it with is the record’s trace', async () => {
    const { handler, replies } = replying();
    const record = orderRecord();
    record.attributes.AWSTraceHeader = formatXRayTraceHeader(ORDER_TRACE);
    await handler({ Records: [record] }, fakeContext());
    expect(linesOf(record.messageId).map((l) => l.xray_trace_id)).toEqual([ORDER_XRAY_ID, ORDER_XRAY_ID]);
    expect(parseTraceparent(replies[0]!.traceparent)?.traceId).toBe(ORDER_TRACE.traceId);
  });

  it('records of one batch keep their own traces while they run concurrently', async () => {
    const seen = new Map<string, string | undefined>();
    const handler = consumer({
      events: [OrderCreatedV1] as const,
      idempotency: { table: TABLE },
      handle: async (event) => {
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
        const { stored } = outboxWrites('outbox', [outgoing(InventoryReservedV1, { order_id: event.detail.order_id, lines: [{ sku: 'SKU-TEA', qty: 1 }] })]);
        seen.set(event.detail.order_id, traceIdOfDetail(stored[0]!.entry.Detail));
      },
    });
    const traces = Array.from({ length: 8 }, (_, i) => `${String(i).padStart(8, '0')}bd862e3fe1be46a994272793`);
    const records = traces.map((traceId, i) => orderRecord({ ...validDetails()['order.created.v1']!, order_id: `ord-${i}`, traceparent: formatTraceparent({ ...ORDER_TRACE, traceId }) }));
    await handler({ Records: records }, fakeContext());
    expect(traces.map((_, i) => seen.get(`ord-${i}`))).toEqual(traces.map((traceId) => xrayTraceId({ traceId })));
  });
});

describe('publishing carries the trace to EventBridge', () => {
  const eb = mockClient(EventBridgeClient);
  const ddb = mockClient(DynamoDBClient);
  afterEach(() => {
    eb.reset();
    ddb.reset();
  });

  it('a published event carries the current trace as traceparent and TraceHeader; its log line names the trace', async () => {
    const t = testPublisher();
    eb.on(PutEventsCommand).resolves(response([ok()]));
    await withTrace(ORDER_TRACE, () => t.publisher.publish([outgoing(OrderCreatedV1, { order_id: 'o-1', user_id: 'u-1', lines: [{ sku: 'SKU-TEA', qty: 1 }], total_minor: 450, currency: 'EUR' })]));
    const entry = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(JSON.parse(entry.Detail!).traceparent).toBe(ORDER_TRACEPARENT);
    expect(entry.TraceHeader).toBe(`Root=${ORDER_XRAY_ID};Parent=53995c3f42cd8ad8;Sampled=1`);
    expect(t.logs.find((l) => l.message === 'event published')).toMatchObject({ xray_trace_id: ORDER_XRAY_ID, detail_type: 'order.created.v1' });
  });

  it('the relay sends an outbox row with the TraceHeader of the trace that wrote it, not its own invocation’s', async () => {
    process.env._X_AMZN_TRACE_ID = INVOCATION_HEADER;
    const { eventId, entry } = storedEntry('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b');
    const detail = JSON.stringify({ ...JSON.parse(entry.Detail), traceparent: ORDER_TRACEPARENT });
    const row = { event_id: eventId, source: entry.Source, detail_type: entry.DetailType, detail, status: 'PENDING', pending: 'PENDING', created_at: T0 };
    ddb.on(BatchGetItemCommand).resolves({ Responses: { outbox: [item(row)] } });
    ddb.on(UpdateItemCommand).resolves({});
    eb.on(PutEventsCommand).resolves(response([ok()]));
    const t = testPublisher();
    const relay = createOutboxRelay({ table: createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock }), publisher: t.publisher });
    const stream: DynamoDBStreamEvent = { Records: [{ eventName: 'INSERT', dynamodb: { SequenceNumber: '1', NewImage: item(row) as any } }] };
    expect(await relay(stream)).toEqual({ batchItemFailures: [] });
    delete process.env._X_AMZN_TRACE_ID;

    const sent = eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(sent).toMatchObject({ Detail: detail, TraceHeader: `Root=${ORDER_XRAY_ID};Parent=53995c3f42cd8ad8;Sampled=1` });
    expect(t.logs.filter((l) => l.message === 'event published')).toEqual([expect.objectContaining({ event_id: eventId, xray_trace_id: ORDER_XRAY_ID })]);
    expect(unmarshall(ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input.Key!)).toEqual({ event_id: eventId });
  });
});
