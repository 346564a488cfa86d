import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type * as z from 'zod/mini';
import { parseWith } from '../../contracts/define.js';
import { startInvocation, type LambdaContextLike } from '../support/invocation.js';
import { asLogger, createLogger, type Logger, type LogMethods } from '../support/log.js';

/**
 * An error that becomes an HTTP response with this status and message (4xx: the caller's fault), with
 * `details` as a JSON field beside the message. Throw it from a route; `httpApi` answers it.
 *
 * @example
 * if (!order) throw new HttpError(404, `no order ${orderId}`);
 * if (order.status === 'SHIPPED') throw new HttpError(409, `order ${orderId} is already shipped`, { status: order.status });
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** What a route answers: the status, a body serialised as JSON, and extra headers. */
export type HttpResponse = { status: number; body: unknown; headers?: Record<string, string> };
/** One route of an `httpApi`: the request and a logger carrying its request id, to a response (or a thrown HttpError). */
export type Route = (request: APIGatewayProxyEventV2, log: Logger) => Promise<HttpResponse>;

/** Default request body limit; an order with 100 lines is ≈ 6 KB. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Decodes and validates a JSON body: 413 when larger than `maxBytes` (default 64 KiB), 400 (with every
 * error path) when invalid, so a route only ever sees a typed, valid body.
 *
 * @example
 * const ShipRequest = z.object({ order_id: id(), carrier: text(32) });
 * const body = readJsonBody(request, ShipRequest); // { order_id: string; carrier: string }
 */
export function readJsonBody<T>(request: APIGatewayProxyEventV2, schema: z.ZodMiniType<T>, maxBytes = MAX_BODY_BYTES): T {
  const raw = request.body ?? '';
  const bytes = request.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) throw new HttpError(413, `request body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  if (bytes.length === 0) throw new HttpError(400, 'request body is empty; expected JSON');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'request body is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parseWith(schema, 'request body', json);
  if (!parsed.ok) throw new HttpError(400, parsed.error.message, { errors: parsed.error.issues });
  return parsed.value;
}

/**
 * One Lambda behind an HTTP API: dispatches on the route key ("POST /orders"), turns HttpError into its
 * status and anything else into a 500 that names the request id but leaks no internals. One log line
 * per request (`api_request_id` is API Gateway's id, the one a 500 answers with); `log` may be any
 * logger with debug/info/warn/error (a Powertools Logger works).
 *
 * @example
 * export const handler = httpApi({
 *   'POST /shipments': async (request) => ({ status: 202, body: await ship(readJsonBody(request, ShipRequest)) }),
 *   'GET /shipments/{id}': getShipment,
 * });
 */
export function httpApi(routes: Record<string, Route>, log: LogMethods = createLogger()) {
  const logger = asLogger(log);
  return async (request: APIGatewayProxyEventV2, context?: LambdaContextLike): Promise<APIGatewayProxyResultV2> => {
    startInvocation(context);
    const requestId = request.requestContext?.requestId ?? 'unknown';
    const requestLog = logger.child({ api_request_id: requestId, route: request.routeKey });
    const route = routes[request.routeKey];
    try {
      if (!route) throw new HttpError(404, `no route ${request.routeKey}`);
      const response = await route(request, requestLog);
      requestLog.info('request handled', { status: response.status });
      return toResult(response.status, response.body, response.headers);
    } catch (error) {
      if (error instanceof HttpError) {
        requestLog.info('request rejected', { status: error.status, error: error.message });
        return toResult(error.status, { message: error.message, ...(error.details ? { details: error.details } : {}) });
      }
      requestLog.error('request failed', { error });
      return toResult(500, { message: 'internal error', request_id: requestId });
    }
  };
}

function toResult(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * A case-insensitive header lookup (HTTP API lower-cases them, tests and proxies may not).
 *
 * @example
 * const key = header(request, 'Idempotency-Key');
 */
export function header(request: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
