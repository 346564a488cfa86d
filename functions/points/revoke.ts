import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import type { OrderCancelledV1 } from '../events/orders';
import { PointsRevokedV1 } from '../events/points';
import { outboxWrites, outgoing, PermanentError } from 'courier/runtime';
import type { PointsTables } from './award';
import { awardKey, setBalance, type Award, type Ledger } from './points-table';

export interface Revocation {
  writes: TransactWriteItem[];
  /**
   * Points that could not be taken back because the balance was lower (changed outside this service):
   * the balance is clamped at zero rather than going negative, and the handler logs the shortfall.
   */
  shortfall: number;
}

/**
 * The writes that take an order's points back: the award becomes REVOKED (conditional on AWARDED, first,
 * so a concurrent revoke is the failure reported) and the balance drops. With no award yet, a REVOKED
 * tombstone keeps a late order.created from awarding; a revoked award needs nothing. Either way the same
 * transaction says what was taken back (points.revoked.v1, 0 for a tombstone), so the orders service can
 * show the compensation as done.
 */
export function revokeWrites(tables: PointsTables, cancel: DetailOf<typeof OrderCancelledV1>, ledger: Ledger): Revocation {
  const { award, account } = ledger;
  const table = tables.points;
  const reply = (points: number, balance: number) =>
    outboxWrites(tables.outbox, [
      outgoing(PointsRevokedV1, { order_id: cancel.order_id, user_id: cancel.user_id, points, balance }, { correlationId: cancel.correlation_id, causationId: cancel.event_id }),
    ]).writes;
  if (!award) {
    const tombstone: Award = { pk: awardKey(cancel.order_id), order_id: cancel.order_id, user_id: cancel.user_id, state: 'REVOKED', points: 0 };
    const fence: TransactWriteItem = {
      Put: { TableName: table, Item: marshall(tombstone), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' },
    };
    return { writes: [fence, ...reply(0, account?.balance ?? 0)], shortfall: 0 };
  }
  if (award.state === 'REVOKED') return { writes: [], shortfall: 0 };
  // The account read is the cancel's user's; an award credited to someone else would debit the wrong one.
  if (award.user_id !== cancel.user_id) {
    throw new PermanentError(`order ${cancel.order_id}: points were awarded to ${award.user_id}, the cancel names ${cancel.user_id}`);
  }
  const balance = account?.balance ?? 0;
  const after = Math.max(0, balance - award.points);
  return {
    writes: [
      {
        Update: {
          TableName: table,
          Key: marshall({ pk: award.pk }),
          UpdateExpression: 'SET #state = :revoked',
          ConditionExpression: '#state = :awarded',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: marshall({ ':revoked': 'REVOKED', ':awarded': 'AWARDED' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      setBalance(table, cancel.user_id, account, after),
      ...reply(balance - after, after),
    ],
    shortfall: Math.max(0, award.points - balance),
  };
}
