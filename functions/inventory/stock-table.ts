import { dynamoClient, readConsistent, systemClock } from 'courier/runtime';

/**
 * The stock table, one partition key `pk` (S) for two kinds of item:
 * - `SKU#<sku>`: `available` (N), what can still be reserved; never below zero.
 * - `RES#<order_id>`: the order's outcome, `state` RESERVED | REJECTED | RELEASED, `lines` taken from
 *   stock (one per sku). Written at most once per order (`attribute_not_exists`), so it is also the
 *   order's fence: a RELEASED item written by a cancel that came first keeps a late order.created out.
 */
export const skuKey = (sku: string): string => `SKU#${sku}`;
export const reservationKey = (orderId: string): string => `RES#${orderId}`;
export const isReservationKey = (pk: unknown): boolean => typeof pk === 'string' && pk.startsWith('RES#');

export type ReservationState = 'RESERVED' | 'REJECTED' | 'RELEASED';

export interface Line {
  sku: string;
  qty: number;
}

export interface Reservation {
  pk: string;
  order_id: string;
  state: ReservationState;
  /** What was taken from stock (RESERVED and, after release, RELEASED); empty for a tombstone or a rejection. */
  lines: Line[];
}

export interface StockSnapshot {
  /** `available` per sku that has an item; a sku missing here has no item (unknown). */
  available: Map<string, number>;
  reservation?: Reservation;
}

/** The order's reservation and the stock of `skus`, read consistently in one BatchGetItem. */
export async function readStock(table: string, orderId: string, skus: readonly string[] = []): Promise<StockSnapshot> {
  const rows = await readConsistent(dynamoClient(), table, 'pk', [reservationKey(orderId), ...skus.map(skuKey)], systemClock);
  const snapshot: StockSnapshot = { available: new Map() };
  for (const row of rows) {
    if (isReservationKey(row.pk)) snapshot.reservation = row as unknown as Reservation;
    else snapshot.available.set(String(row.pk).slice('SKU#'.length), Number(row.available ?? 0));
  }
  return snapshot;
}
