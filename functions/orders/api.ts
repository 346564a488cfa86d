import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { id, newEventId, text } from 'courier/contracts';
import { OrderCancelledV1 } from '../events/orders';
import { actingUser, callerOf, callerPolicyFromEnv, dynamoClient, header, httpApi, HttpError, type HttpResponse, outgoing, readJsonBody, requiredEnv, requireOwnerOrOperator, TransactionCancelled, transactWithOutbox } from 'courier/runtime';
import { orderUpdate, readItem, readOrder } from './order-record';
import { orderLinks, orderView } from './order-view';
import { IDEMPOTENCY_ITEM_INDEX, idempotencyPk, newOrder, orderCreated, placementItems, requestHash, type IdempotencyItem } from './place-order';
import { PlaceOrderRequest } from './place-order-request';

const ORDERS_TABLE = requiredEnv('ORDERS_TABLE');
const OUTBOX_TABLE = requiredEnv('OUTBOX_TABLE');
/** Who may call and act for whom, as the ServiceApi construct configured it. */
const CALLERS = callerPolicyFromEnv();

const SafeId = id();
const CancelRequest = z.strictObject({ reason: z.optional(text(500)) });
/** The states a customer may still cancel from, and the same rule as a write condition. */
const CANCELLABLE: readonly string[] = ['PENDING', 'CONFIRMED', 'IN_REVIEW'];
const STILL_CANCELLABLE = {
  expression: `#status IN (${CANCELLABLE.map((_, i) => `:cancellable${i}`).join(', ')})`,
  names: ['status'],
  values: Object.fromEntries(CANCELLABLE.map((s, i) => [`:cancellable${i}`, s])),
};

const isSafeId = (value: string | undefined): value is string => value !== undefined && SafeId.safeParse(value).success;

/** Optional; when present it must be a safe id (it becomes part of a table key). */
function idempotencyKeyOf(request: APIGatewayProxyEventV2): string | undefined {
  const key = header(request, 'idempotency-key');
  if (key === undefined || isSafeId(key)) return key;
  throw new HttpError(400, 'Idempotency-Key must be 1–128 characters of A-Z a-z 0-9 _ . : @ - starting with a letter or digit');
}

/** The caller's correlation id when it is a safe id; otherwise the chain starts here. */
function correlationIdOf(request: APIGatewayProxyEventV2): string | undefined {
  const value = header(request, 'x-correlation-id');
  return isSafeId(value) ? value : undefined;
}

function orderIdOf(request: APIGatewayProxyEventV2): string {
  const orderId = request.pathParameters?.id;
  if (!isSafeId(orderId)) throw new HttpError(400, 'malformed order id');
  return orderId;
}

const accepted = (orderId: string, status: string, headers?: Record<string, string>): HttpResponse => ({
  status: 202,
  body: { order_id: orderId, status, links: orderLinks(orderId) },
  headers: { location: orderLinks(orderId).self, ...headers },
});

/**
 * Writes the order, its `order.created.v1` outbox row and (with a key) its idempotency item in one
 * transaction; the relay announces it. A repeated key answers with the order it created. The customer is
 * the caller (or whom it acts for): a body naming anyone else is refused.
 */
async function placeOrder(request: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const caller = callerOf(request, CALLERS);
  const body = readJsonBody(request, PlaceOrderRequest);
  actingUser(caller, { field: 'user_id', value: body.user_id });
  const key = idempotencyKeyOf(request);
  const now = Date.now();
  const orderId = `ord_${newEventId(now)}`;
  // The order's events share one correlation id: the caller's, or else the order id itself.
  const correlationId = correlationIdOf(request) ?? orderId;
  const order = newOrder(body, { orderId, correlationId, idempotencyKey: key, now });
  const hash = requestHash(body);
  try {
    await transactWithOutbox({
      outboxTable: OUTBOX_TABLE,
      items: placementItems(ORDERS_TABLE, order, key === undefined ? undefined : { key, hash, now }),
      events: [orderCreated(order)],
    });
  } catch (error) {
    if (key === undefined || !(error instanceof TransactionCancelled)) throw error;
    if (error.conditionFailed(IDEMPOTENCY_ITEM_INDEX)) return replay(key, hash);
    if (error.reasons.some((r) => r.index === IDEMPOTENCY_ITEM_INDEX && r.code === 'TransactionConflict')) {
      throw new HttpError(409, 'another request with this Idempotency-Key is in progress; retry it');
    }
    throw error;
  }
  return accepted(orderId, order.status);
}

/** The key already created an order: the same body gets the same answer, another body is refused. */
async function replay(key: string, hash: string): Promise<HttpResponse> {
  const existing = await readItem<IdempotencyItem>(dynamoClient(), ORDERS_TABLE, idempotencyPk(key));
  if (!existing) throw new Error(`idempotency item for key ${key} vanished after its condition failed`);
  if (existing.request_hash !== hash) throw new HttpError(422, 'this Idempotency-Key was already used with a different request body');
  return accepted(existing.order_id, 'PENDING', { 'idempotent-replay': 'true' });
}

/** Its owner's order (an operator may read any). */
async function getOrder(request: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const caller = callerOf(request, CALLERS);
  const orderId = orderIdOf(request);
  const order = await readOrder(dynamoClient(), ORDERS_TABLE, orderId);
  if (!order) throw new HttpError(404, `no order ${orderId}`);
  requireOwnerOrOperator(caller, order.user_id, `order ${orderId}`);
  return { status: 200, body: orderView(order) };
}

/** Cancels a live order of the caller's (an operator may cancel any) and announces it (stock is released and points revoked downstream). */
async function cancelOrder(request: APIGatewayProxyEventV2): Promise<HttpResponse> {
  const caller = callerOf(request, CALLERS);
  const orderId = orderIdOf(request);
  const { reason } = (request.body ?? '') === '' ? {} : readJsonBody(request, CancelRequest);
  const order = await readOrder(dynamoClient(), ORDERS_TABLE, orderId);
  if (!order) throw new HttpError(404, `no order ${orderId}`);
  requireOwnerOrOperator(caller, order.user_id, `order ${orderId}`);
  const notCancellable = (status: string) => new HttpError(409, `order ${orderId} is already ${status}`, { status });
  if (!CANCELLABLE.includes(order.status)) throw notCancellable(order.status);
  try {
    await transactWithOutbox({
      outboxTable: OUTBOX_TABLE,
      items: [
        orderUpdate(
          ORDERS_TABLE,
          orderId,
          { status: 'CANCELLED', status_reason: reason, updated_at: new Date().toISOString() },
          STILL_CANCELLABLE,
        ),
      ],
      events: [outgoing(OrderCancelledV1, { order_id: orderId, user_id: order.user_id, reason }, { correlationId: correlationIdOf(request) ?? order.correlation_id })],
    });
  } catch (error) {
    // The order moved to a final state between our read and our write.
    if (error instanceof TransactionCancelled && error.conditionFailed(0)) {
      const current = await readOrder(dynamoClient(), ORDERS_TABLE, orderId);
      throw notCancellable(current?.status ?? 'gone');
    }
    throw error;
  }
  return accepted(orderId, 'CANCELLED');
}

export const handler = httpApi({
  'POST /orders': placeOrder,
  'GET /orders/{id}': getOrder,
  'POST /orders/{id}/cancel': cancelOrder,
});
