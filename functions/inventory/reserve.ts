import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import { InventoryRejectedV1, InventoryReservedV1 } from '../events/inventory';
import type { OrderCreatedV1 } from '../events/orders';
import { MAX_WRITES, outboxWrites, outgoing, PermanentError } from 'courier/runtime';
import { reservationKey, skuKey, type Line, type Reservation, type StockSnapshot } from './stock-table';

type OrderCreated = DetailOf<typeof OrderCreatedV1>;

/**
 * A reservation is one transaction: an update per sku, the reservation item and its outbox row, beside
 * the idempotency marker (TransactWriteItems holds 100). An order the schema allows (≤ 100 lines) can
 * still name more skus than that; it can never be reserved atomically, so it is refused as a permanent
 * error (DLQ, with this reason) rather than reserved in parts.
 */
export const MAX_SKUS = MAX_WRITES - 2;

/** One line per sku: an order may list a sku twice, and a transaction may touch an item only once. */
export function stockLines(lines: readonly Line[]): Line[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.qty);
  if (bySku.size > MAX_SKUS) {
    throw new PermanentError(`order names ${bySku.size} distinct skus; one reservation transaction holds at most ${MAX_SKUS}`);
  }
  return [...bySku].map(([sku, qty]) => ({ sku, qty }));
}

export type ReserveDecision =
  | { action: 'none' }
  | { action: 'reserve'; lines: Line[] }
  | { action: 'reject'; reason: 'unknown_sku' | 'out_of_stock'; skus: string[] };

/** An order already decided (or cancelled first) is left alone; otherwise all lines or nothing. */
export function decideReserve(lines: readonly Line[], snapshot: StockSnapshot): ReserveDecision {
  if (snapshot.reservation) return { action: 'none' };
  const unknown = lines.filter((l) => !snapshot.available.has(l.sku)).map((l) => l.sku);
  if (unknown.length > 0) return { action: 'reject', reason: 'unknown_sku', skus: unknown };
  const short = lines.filter((l) => snapshot.available.get(l.sku)! < l.qty).map((l) => l.sku);
  if (short.length > 0) return { action: 'reject', reason: 'out_of_stock', skus: short };
  return { action: 'reserve', lines: [...lines] };
}

export interface InventoryTables {
  stock: string;
  outbox: string;
}

/**
 * The writes of a reservation or a rejection. The reservation item comes first, so when it already
 * exists (a concurrent duplicate or a cancel got there first) that is the failure the runtime reports.
 * Every condition asks for the old item, which says what got in the way.
 */
export function reserveWrites(tables: InventoryTables, order: OrderCreated, decision: Exclude<ReserveDecision, { action: 'none' }>): TransactWriteItem[] {
  const reply = { correlationId: order.correlation_id, causationId: order.event_id };
  const reserved = decision.action === 'reserve';
  const reservation: Reservation & { reason?: string; skus?: string[] } = {
    pk: reservationKey(order.order_id),
    order_id: order.order_id,
    state: reserved ? 'RESERVED' : 'REJECTED',
    lines: reserved ? decision.lines : [],
    ...(!reserved && { reason: decision.reason, skus: decision.skus }),
  };
  const event = reserved
    ? outgoing(InventoryReservedV1, { order_id: order.order_id, lines: order.lines }, reply)
    : outgoing(InventoryRejectedV1, { order_id: order.order_id, reason: decision.reason, skus: decision.skus }, reply);
  return [
    {
      Put: {
        TableName: tables.stock,
        Item: marshall(reservation),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    ...(reserved ? decision.lines.map((line) => takeStock(tables.stock, line)) : []),
    ...outboxWrites(tables.outbox, [event]).writes,
  ];
}

/** Stock never goes below zero: the update applies only while enough is left. */
const takeStock = (table: string, line: Line): TransactWriteItem => ({
  Update: {
    TableName: table,
    Key: marshall({ pk: skuKey(line.sku) }),
    UpdateExpression: 'SET #available = #available - :qty',
    ConditionExpression: 'attribute_exists(pk) AND #available >= :qty',
    ExpressionAttributeNames: { '#available': 'available' },
    ExpressionAttributeValues: marshall({ ':qty': line.qty }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  },
});
