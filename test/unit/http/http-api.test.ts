import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { header, HttpError, httpApi, readJsonBody } from '../../../functions/runtime/http/http-api';
import { createLogger } from '../../../functions/runtime/support/log';

const quiet = createLogger({}, () => {});
const request = (routeKey: string, body?: string, extra: Partial<APIGatewayProxyEventV2> = {}) =>
  ({ routeKey, body, headers: {}, requestContext: { requestId: 'r-1' }, ...extra }) as unknown as APIGatewayProxyEventV2;

const Body = z.strictObject({ name: z.string().check(z.minLength(1)), n: z.int() });
const api = httpApi(
  {
    'POST /things': async (req) => ({ status: 201, body: readJsonBody(req, Body, 100) }),
    'GET /boom': async () => {
      throw new Error('secret internals');
    },
    'GET /teapot': async () => {
      throw new HttpError(418, 'short and stout');
    },
  },
  quiet,
);

const call = async (req: APIGatewayProxyEventV2) => {
  const res = (await api(req)) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) };
};

describe('httpApi', () => {
  it('routes and answers JSON', async () => {
    expect(await call(request('POST /things', '{"name":"a","n":1}'))).toEqual({ status: 201, body: { name: 'a', n: 1 } });
  });

  it('answers 400 with every error path for an invalid body', async () => {
    const res = await call(request('POST /things', '{"name":"","n":"x","extra":1}'));
    expect(res.status).toBe(400);
    expect(res.body.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['', 'n', 'name']);
  });

  it.each([
    ['empty', '', /empty/],
    ['malformed', '{"name":', /not valid JSON/],
    ['not an object', '"x"', /expected object/],
  ])('answers 400 for an %s body', async (_l, body, message) => {
    const res = await call(request('POST /things', body));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(message);
  });

  it('answers 400 for invalid UTF-8', async () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64');
    const res = await call(request('POST /things', body, { isBase64Encoded: true }));
    expect(res).toMatchObject({ status: 400, body: { message: 'request body is not valid UTF-8' } });
  });

  it('answers 413 when the body is too large', async () => {
    const res = await call(request('POST /things', JSON.stringify({ name: 'x'.repeat(200), n: 1 })));
    expect(res.status).toBe(413);
  });

  it('answers 404 for an unknown route and 500 without internals for a crash', async () => {
    expect((await call(request('GET /nothing'))).status).toBe(404);
    const crash = await call(request('GET /boom'));
    expect(crash).toEqual({ status: 500, body: { message: 'internal error', request_id: 'r-1' } });
    expect((await call(request('GET /teapot'))).body.message).toBe('short and stout');
  });

  it('reads headers case-insensitively', () => {
    expect(header(request('GET /', undefined, { headers: { 'Idempotency-Key': 'k' } }), 'idempotency-key')).toBe('k');
  });
});
