import { DynamoDBClient, GetItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OrderCreatedV1 } from '../../../functions/events/orders';

/**
 * Issue 12 item 6: whatever a client sends to POST /orders, the answer is never a 5xx — a request the API
 * accepts produces a valid order.created.v1, anything else is a 4xx naming what is wrong. Requests are
 * drawn around the request schema's bounds (qty ≤ 10,000, unit price ≤ 1e8, ≤ 100 lines), where a total
 * can exceed the event contract's 1e11, plus values just outside them and arbitrary headers.
 */
const ddb = mockClient(DynamoDBClient);
let handler: (request: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  Object.assign(process.env, { AWS_REGION: 'eu-west-1', ORDERS_TABLE: 'orders', OUTBOX_TABLE: 'outbox', COURIER_API_AUTH: 'jwt' });
  ({ handler } = (await import('../../../functions/orders/api')) as unknown as { handler: typeof handler });
});
afterAll(() => {
  delete process.env.COURIER_API_AUTH;
});
beforeEach(() => {
  ddb.reset();
  ddb.on(TransactWriteItemsCommand).resolves({});
  ddb.on(GetItemCommand).resolves({});
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
  return () => vi.restoreAllMocks();
});

const userId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/), fc.string({ maxLength: 3 }));
const sku = fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,31}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
const qty = fc.oneof(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom(0, 1, 9_999, 10_000, 10_001), fc.double({ noNaN: true, min: 0, max: 10_001 }));
const unitPrice = fc.oneof(fc.integer({ min: 0, max: 100_000_000 }), fc.constantFrom(0, 1, 99_999_999, 100_000_000, 100_000_001, -1), fc.double({ noNaN: true }));
const line = fc.record({ sku, qty, unit_price_minor: unitPrice });
const body = fc.record(
  {
    user_id: userId,
    currency: fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[A-Z]{3}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 4 }) }),
    lines: fc.array(line, { minLength: 0, maxLength: 101 }),
  },
  { requiredKeys: [] },
);
const headers = fc.record(
  { 'idempotency-key': fc.oneof(fc.string({ maxLength: 130 }), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,20}$/)), 'x-correlation-id': fc.string({ maxLength: 130 }) },
  { requiredKeys: [] },
);

/** As API Gateway delivers it behind a JWT authorizer: the signed-in user is usually the one the body names. */
function request(b: Record<string, unknown>, h: Record<string, string>, sameUser: boolean): APIGatewayProxyEventV2 {
  const sub = sameUser && typeof b.user_id === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/.test(b.user_id) ? b.user_id : 'someone-else';
  return {
    routeKey: 'POST /orders',
    rawPath: '/orders',
    headers: h,
    body: JSON.stringify(b),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-prop', authorizer: { jwt: { claims: { sub }, scopes: null } } },
  } as unknown as APIGatewayProxyEventV2;
}

describe('POST /orders, any client input', () => {
  it('never answers 5xx; a 202 wrote a valid order.created.v1, a 4xx says what is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, fc.boolean(), async (b, h, sameUser) => {
        ddb.resetHistory();
        const res = await handler(request(b, h, sameUser));
        const answer = JSON.parse(res.body as string) as { message?: string };
        expect(res.statusCode, JSON.stringify(answer)).toBeLessThan(500);
        if (res.statusCode === 202) {
          const [tx] = ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);
          const row = unmarshall(tx!.at(-1)!.Put!.Item!);
          expect(OrderCreatedV1.schema.safeParse(JSON.parse(row.detail as string)).success).toBe(true);
        } else {
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(answer.message?.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 400, seed: 20_240_612 },
    );
  });
});
