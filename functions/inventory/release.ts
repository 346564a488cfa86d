import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import { outboxWrites, outgoing } from 'courier/runtime';
import { InventoryReleasedV1 } from '../events/inventory';
import type { OrderCancelledV1 } from '../events/orders';
import type { InventoryTables } from './reserve';
import { reservationKey, skuKey, type Line, type Reservation } from './stock-table';

export type ReleaseDecision =
  | { action: 'none' }
  /** Give the reserved lines back. */
  | { action: 'release'; reservation: Reservation }
  /** The cancel came first: leave a RELEASED tombstone so a late order.created reserves nothing. */
  | { action: 'fence' }
  /** The order was rejected: it holds nothing; only say so. */
  | { action: 'report' };

/** RELEASED means a cancel was applied (and reported) already: nothing to do, nothing to say again. */
export function decideRelease(reservation: Reservation | undefined): ReleaseDecision {
  if (!reservation) return { action: 'fence' };
  if (reservation.state === 'RESERVED') return { action: 'release', reservation };
  return reservation.state === 'REJECTED' ? { action: 'report' } : { action: 'none' };
}

/**
 * The writes that apply an order.cancelled.v1: the release (or the tombstone) and, in the same
 * transaction, inventory.released.v1 saying what went back to stock (nothing, when the order held
 * nothing), so the orders service can show the compensation as done.
 */
export function releaseWrites(tables: InventoryTables, cancel: DetailOf<typeof OrderCancelledV1>, decision: Exclude<ReleaseDecision, { action: 'none' }>): TransactWriteItem[] {
  const released: Line[] = decision.action === 'release' ? decision.reservation.lines : [];
  const reply = outgoing(InventoryReleasedV1, { order_id: cancel.order_id, lines: released }, { correlationId: cancel.correlation_id, causationId: cancel.event_id });
  return [...stockWrites(tables.stock, cancel.order_id, decision), ...outboxWrites(tables.outbox, [reply]).writes];
}

/**
 * The stock side of a release or a tombstone. The reservation item comes first and is conditional on the
 * state read, so a concurrent release or reservation cancels the transaction instead of doubling stock.
 */
function stockWrites(stockTable: string, orderId: string, decision: Exclude<ReleaseDecision, { action: 'none' }>): TransactWriteItem[] {
  const pk = reservationKey(orderId);
  if (decision.action === 'report') return [];
  if (decision.action === 'fence') {
    const tombstone: Reservation = { pk, order_id: orderId, state: 'RELEASED', lines: [] };
    return [
      {
        Put: {
          TableName: stockTable,
          Item: marshall(tombstone),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
  }
  return [
    {
      Update: {
        TableName: stockTable,
        Key: marshall({ pk }),
        UpdateExpression: 'SET #state = :released',
        ConditionExpression: '#state = :reserved',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: marshall({ ':released': 'RELEASED', ':reserved': 'RESERVED' }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    // No condition: giving stock back must not fail (a sku item deleted meanwhile comes back holding it).
    ...decision.reservation.lines.map(
      (line): TransactWriteItem => ({
        Update: {
          TableName: stockTable,
          Key: marshall({ pk: skuKey(line.sku) }),
          UpdateExpression: 'ADD #available :qty',
          ExpressionAttributeNames: { '#available': 'available' },
          ExpressionAttributeValues: marshall({ ':qty': line.qty }),
        },
      }),
    ),
  ];
}
