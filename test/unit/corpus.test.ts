import { DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cases, httpCases, queueCases, QUEUE_TARGET, type CorpusCase } from '../corpus/index';
import { validDetails } from '../fixtures/details';
import { DLQ_URL, eventBridgeBody, fakeContext, sqsRecord, TABLE } from './runtime/helpers';
import { FakeTables } from './services/fake-tables';

/**
 * The bad-input corpus (test/corpus) against the real handlers with mocked clients: every HTTP case is a
 * 4xx with a message and writes nothing; every queue case ends as exactly one DLQ message with its error
 * class while a valid record in the same batch is processed in the same invocation.
 */
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
const bus = mockClient(EventBridgeClient);

let ordersApi: (request: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let inventory: (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;
let db: FakeTables;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    SERVICE_NAME: 'corpus',
    ORDERS_TABLE: 'orders',
    OUTBOX_TABLE: 'outbox',
    CONSUMER_NAME: QUEUE_TARGET.consumer,
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    STOCK_TABLE: 'stock',
  });
  ({ handler: ordersApi } = (await import('../../functions/orders/api')) as never);
  ({ handler: inventory } = await import('../../functions/inventory/handler'));
});
beforeEach(() => {
  ddb.reset();
  sqs.reset();
  bus.reset();
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
});
afterEach(() => vi.restoreAllMocks());

const SQS_MAX_BYTES = 256 * 1024;
/** Characters SQS accepts in a message body (#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF). */
const SQS_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;

describe('corpus: shape', () => {
  it('has at least 30 cases, unique names, and an expectation for every target it names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.note, c.name).toBeTruthy();
      if (c.kind !== 'queue') expect(c.expect.http, c.name).toBeDefined();
      if (c.kind !== 'http') expect(c.expect.errorClass, c.name).toBeDefined();
    }
  });

  it.each(queueCases.map((c) => [c.name, c] as const))('%s can be sent to SQS as it is (UTF-8 text, SQS characters, ≤ 256 KiB)', (_, c) => {
    expect(typeof c.body).toBe('string');
    expect(Buffer.byteLength(c.body, 'utf8')).toBeLessThanOrEqual(SQS_MAX_BYTES);
    expect(SQS_TEXT.test(c.body)).toBe(true);
  });

  it('keeps the bodies SQS would refuse (not UTF-8, empty, over 256 KiB) HTTP-only', () => {
    const refused = cases.filter((c) => Buffer.isBuffer(c.body) || c.body.length === 0 || Buffer.byteLength(c.body) > SQS_MAX_BYTES);
    expect(refused.map((c) => c.name).sort()).toEqual(
      ['empty-body', 'invalid-utf8', 'one-megabyte-body', 'overlong-utf8', 'truncated-utf8', 'utf16-body'].sort(),
    );
    for (const c of refused) expect(c.kind, c.name).toBe('http');
    expect(Buffer.byteLength(cases.find((c) => c.name === 'one-megabyte-body')!.body)).toBe(1_048_576);
    expect(cases.find((c) => c.name === 'deep-nesting-arrays')!.body).toMatch(/^\[{10000}\]{10000}$/);
  });
});

describe('corpus: POST /orders', () => {
  /**
   * As API Gateway (HTTP API, payload 2.0) delivers it from a signed-in customer (the API refuses callers
   * without an identity before it reads a body): bytes that are not UTF-8 text arrive base64-encoded.
   */
  const post = (body: string | Buffer) =>
    ({
      routeKey: 'POST /orders',
      rawPath: '/orders',
      headers: { 'content-type': 'application/json' },
      body: Buffer.isBuffer(body) ? body.toString('base64') : body,
      isBase64Encoded: Buffer.isBuffer(body),
      requestContext: { requestId: 'req-corpus', authorizer: { jwt: { claims: { sub: 'user-42' }, scopes: null } } },
    }) as unknown as APIGatewayProxyEventV2;

  it('control: a valid order is accepted (202) and written in one transaction', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const res = await ordersApi(post(JSON.stringify({ user_id: 'user-42', currency: 'EUR', lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 450 }] })));
    expect(res.statusCode).toBe(202);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
  });

  it.each(httpCases.map((c) => [c.name, c.expect.http, c] as const))('%s → %s with a message, nothing written', async (_, status, c) => {
    const res = await ordersApi(post(c.body));
    expect(res.statusCode).toBe(status);
    const body = JSON.parse(res.body as string) as { message?: unknown };
    expect(typeof body.message).toBe('string');
    expect((body.message as string).length).toBeGreaterThan(0);
    if (status === 413) expect(body.message).toMatch(/limit/);
    expect(ddb.calls()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });
});

describe('corpus: the inventory-orders queue', () => {
  let seq = 0;
  beforeEach(() => {
    db = new FakeTables({ stock: 'pk', outbox: 'event_id' });
    db.install(ddb);
    db.put('stock', { pk: 'SKU#SKU-TEA', sku: 'SKU-TEA', available: 1_000_000 });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  });

  /** A valid order.created.v1 for the stocked sku, with its own order id. */
  const validRecord = () => {
    const orderId = `ord-valid-${++seq}`;
    const detail: Record<string, unknown> = { ...validDetails()['order.created.v1']!, order_id: orderId, lines: [{ sku: 'SKU-TEA', qty: 1 }] };
    return { record: sqsRecord(eventBridgeBody('order.created.v1', detail)), eventId: detail.event_id as string, orderId };
  };
  const dlqSends = () => sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
  const attr = (input: ReturnType<typeof dlqSends>[number], name: string) => input.MessageAttributes?.[name]?.StringValue;
  const expectProcessed = (valid: ReturnType<typeof validRecord>) => {
    expect(db.idempotency.status(`${QUEUE_TARGET.consumer}#${valid.eventId}`)).toBe('COMPLETED');
    expect(db.get('stock', `RES#${valid.orderId}`)).toMatchObject({ state: 'RESERVED' });
  };

  it.each(queueCases.map((c) => [c.name, c.expect.errorClass, c] as const))(
    '%s → one DLQ message with courier.error_class %s; the valid record beside it is processed',
    async (_, errorClass, c) => {
      const bad = sqsRecord(c.body);
      const valid = validRecord();
      const res = await inventory({ Records: [bad, valid.record] }, fakeContext());

      expect(res.batchItemFailures).toEqual([]);
      const sends = dlqSends();
      expect(sends).toHaveLength(1);
      expect(sends[0]!.QueueUrl).toBe(DLQ_URL);
      expect(sends[0]!.MessageBody).toBe(c.body);
      expect(attr(sends[0]!, 'courier.error_class')).toBe(errorClass);
      expect(attr(sends[0]!, 'courier.error_message')?.length).toBeGreaterThan(0);
      expect(attr(sends[0]!, 'courier.consumer')).toBe(QUEUE_TARGET.consumer);
      expect(attr(sends[0]!, 'courier.source_message_id')).toBe(bad.messageId);
      expectProcessed(valid);
    },
  );

  it('the whole corpus in batches of 10 (9 bad + 1 valid): no batch fails, every case quarantined with its class', async () => {
    const chunks: (CorpusCase & { body: string })[][] = [];
    for (let i = 0; i < queueCases.length; i += 9) chunks.push(queueCases.slice(i, i + 9));
    const byMessage = new Map<string, string>();
    for (const chunk of chunks) {
      const records: SQSRecord[] = chunk.map((c) => {
        const r = sqsRecord(c.body);
        byMessage.set(r.messageId, c.expect.errorClass!);
        return r;
      });
      const valid = validRecord();
      const res = await inventory({ Records: [...records.slice(0, 4), valid.record, ...records.slice(4)] }, fakeContext());
      expect(res.batchItemFailures).toEqual([]);
      expectProcessed(valid);
    }
    const sends = dlqSends();
    expect(sends).toHaveLength(queueCases.length);
    for (const s of sends) expect(attr(s, 'courier.error_class')).toBe(byMessage.get(attr(s, 'courier.source_message_id')!));
  });
});
