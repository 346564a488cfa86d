import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { reservationKey, skuKey, type Reservation } from './stock-table';

export type ReleaseDecision =
  | { action: 'none' }
  /** Give the reserved lines back. */
  | { action: 'release'; reservation: Reservation }
  /** The cancel came first: leave a RELEASED tombstone so a late order.created reserves nothing. */
  | { action: 'fence' };

export function decideRelease(reservation: Reservation | undefined): ReleaseDecision {
  if (!reservation) return { action: 'fence' };
  return reservation.state === 'RESERVED' ? { action: 'release', reservation } : { action: 'none' };
}

/**
 * The writes of a release or a tombstone. The reservation item comes first and is conditional on the
 * state read, so a concurrent release or reservation cancels the transaction instead of doubling stock.
 */
export function releaseWrites(stockTable: string, orderId: string, decision: Exclude<ReleaseDecision, { action: 'none' }>): TransactWriteItem[] {
  const pk = reservationKey(orderId);
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
