import { GetItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { RiskDecision } from '../risk/score';
import type { OrderStatus, StockState } from './order-progress';

/**
 * The orders table (partition key `pk`, S) holds two kinds of item:
 * - `ORDER#<order_id>`: the order and what the reply events said about it (this interface);
 * - `IDEMPOTENCY#<key>`: which order an `Idempotency-Key` created (see place-order.ts).
 */
export interface OrderItem {
  pk: string;
  order_id: string;
  user_id: string;
  currency: string;
  lines: { sku: string; qty: number; unit_price_minor: number }[];
  total_minor: number;
  status: OrderStatus;
  /** Why the order is REJECTED or CANCELLED. */
  status_reason?: string;
  stock: StockState;
  stock_reason?: string;
  rejected_skus?: string[];
  risk_score?: number;
  risk_decision?: RiskDecision;
  points?: number;
  /** What inventory gave back on the order's cancellation (inventory.released.v1; empty: it held nothing). */
  released_lines?: { sku: string; qty: number }[];
  /** Points taken back on the order's cancellation (points.revoked.v1). */
  revoked_points?: number;
  /** Carried by every event this order starts (created, cancelled). */
  correlation_id: string;
  idempotency_key?: string;
  created_at: string;
  updated_at: string;
  /** Incremented by every update: the progress consumer's optimistic-concurrency check. */
  version: number;
}

export const orderPk = (orderId: string): string => `ORDER#${orderId}`;

/** A consistent read: the caller acts on what it sees (conditions, status transitions). */
export async function readItem<T>(client: DynamoDBClient, table: string, pk: string, signal?: AbortSignal): Promise<T | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: marshall({ pk }), ConsistentRead: true }),
    signal ? { abortSignal: signal } : {},
  );
  return out.Item ? (unmarshall(out.Item) as T) : undefined;
}

export const readOrder = (client: DynamoDBClient, table: string, orderId: string, signal?: AbortSignal) =>
  readItem<OrderItem>(client, table, orderPk(orderId), signal);

export interface Condition {
  /** May use `#<attribute>` for any attribute name (they map to themselves). */
  expression: string;
  names?: string[];
  values?: Record<string, unknown>;
}

/**
 * An Update of one order that sets `fields` (undefined ones are left alone), increments `version`
 * and only applies under `condition`; on failure DynamoDB returns the item as it was.
 */
export function orderUpdate(
  table: string,
  orderId: string,
  fields: Partial<Omit<OrderItem, 'pk' | 'order_id' | 'version'>>,
  condition: Condition,
): TransactWriteItem {
  const set = Object.entries(fields).filter(([, v]) => v !== undefined);
  const names = [...set.map(([k]) => k), 'version', ...(condition.names ?? [])];
  return {
    Update: {
      TableName: table,
      Key: marshall({ pk: orderPk(orderId) }),
      UpdateExpression: `SET ${[...set.map(([k]) => `#${k} = :set_${k}`), '#version = #version + :one'].join(', ')}`,
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
      ExpressionAttributeValues: marshall(
        { ...Object.fromEntries(set.map(([k, v]) => [`:set_${k}`, v])), ':one': 1, ...condition.values },
        { removeUndefinedValues: true },
      ),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
