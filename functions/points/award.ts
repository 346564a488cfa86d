import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import type { OrderCreatedV1 } from '../events/orders';
import { PointsAwardedV1 } from '../events/points';
import { outboxWrites, outgoing } from 'courier/runtime';
import { awardKey, setBalance, type Award, type Ledger } from './points-table';
import { pointsFor } from './points-for';

export interface PointsTables {
  points: string;
  outbox: string;
}

/**
 * The writes that credit an order's points: the award item (first, so a concurrent duplicate or an
 * earlier cancel is the failure reported), the new balance and the points.awarded.v1 outbox row.
 * Nothing when the order already has an award or a tombstone.
 */
export function awardWrites(tables: PointsTables, order: DetailOf<typeof OrderCreatedV1>, ledger: Ledger): TransactWriteItem[] {
  if (ledger.award) return [];
  const points = pointsFor(order.total_minor);
  const balance = (ledger.account?.balance ?? 0) + points;
  const award: Award = { pk: awardKey(order.order_id), order_id: order.order_id, user_id: order.user_id, state: 'AWARDED', points };
  const event = outgoing(
    PointsAwardedV1,
    { order_id: order.order_id, user_id: order.user_id, points, balance },
    { correlationId: order.correlation_id, causationId: order.event_id },
  );
  return [
    { Put: { TableName: tables.points, Item: marshall(award), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    setBalance(tables.points, order.user_id, ledger.account, balance),
    ...outboxWrites(tables.outbox, [event]).writes,
  ];
}
