import { createHash } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { OrderCreatedV1 } from '../events/orders';
import { outgoing, type OutgoingEvent } from 'courier/runtime';
import { orderPk, type OrderItem } from './order-record';
import { orderTotal, type PlaceOrderRequest } from './place-order-request';

/** How long an `Idempotency-Key` returns the order it created; afterwards the key may create a new one. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** The `IDEMPOTENCY#<key>` item: the order a key created and the body it was created from. */
export interface IdempotencyItem {
  pk: string;
  order_id: string;
  request_hash: string;
  created_at: string;
  /** Epoch seconds; the orders table's TTL attribute (only these items carry it). */
  expires_at: number;
}

export const idempotencyPk = (key: string): string => `IDEMPOTENCY#${key}`;

/** zod rebuilds objects in schema order, so the hash ignores key order and whitespace of the body. */
export const requestHash = (request: PlaceOrderRequest): string => createHash('sha256').update(JSON.stringify(request)).digest('hex');

export function newOrder(request: PlaceOrderRequest, meta: { orderId: string; correlationId: string; idempotencyKey?: string; now: number }): OrderItem {
  const at = new Date(meta.now).toISOString();
  return {
    pk: orderPk(meta.orderId),
    order_id: meta.orderId,
    user_id: request.user_id,
    currency: request.currency,
    lines: request.lines,
    total_minor: orderTotal(request),
    status: 'PENDING',
    stock: 'PENDING',
    correlation_id: meta.correlationId,
    ...(meta.idempotencyKey === undefined ? {} : { idempotency_key: meta.idempotencyKey }),
    created_at: at,
    updated_at: at,
    version: 1,
  };
}

/**
 * The business items of one placement: the order and, with a key, its idempotency item. Both must be
 * new; an idempotency item past its TTL counts as absent (TTL deletion lags by up to days).
 */
export function placementItems(table: string, order: OrderItem, idempotency?: { key: string; hash: string; now: number }): TransactWriteItem[] {
  const items: TransactWriteItem[] = [{ Put: { TableName: table, Item: marshall(order), ConditionExpression: 'attribute_not_exists(pk)' } }];
  if (!idempotency) return items;
  const record: IdempotencyItem = {
    pk: idempotencyPk(idempotency.key),
    order_id: order.order_id,
    request_hash: idempotency.hash,
    created_at: new Date(idempotency.now).toISOString(),
    expires_at: Math.floor(idempotency.now / 1000) + IDEMPOTENCY_TTL_SECONDS,
  };
  items.push({
    Put: {
      TableName: table,
      Item: marshall(record),
      ConditionExpression: 'attribute_not_exists(pk) OR expires_at < :now',
      ExpressionAttributeValues: { ':now': { N: String(Math.floor(idempotency.now / 1000)) } },
    },
  });
  return items;
}

/** Position of the idempotency item in `placementItems`, for reading a cancelled transaction. */
export const IDEMPOTENCY_ITEM_INDEX = 1;

export const orderCreated = (order: OrderItem): OutgoingEvent =>
  outgoing(
    OrderCreatedV1,
    {
      order_id: order.order_id,
      user_id: order.user_id,
      lines: order.lines.map(({ sku, qty }) => ({ sku, qty })),
      total_minor: order.total_minor,
      currency: order.currency,
    },
    { correlationId: order.correlation_id },
  );
