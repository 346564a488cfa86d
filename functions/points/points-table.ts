import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoClient, readConsistent, systemClock } from 'courier/runtime';

/**
 * The points table, one partition key `pk` (S) for two kinds of item:
 * - `USER#<user_id>`: `balance` (N, never below zero) and `version` (N, +1 per change, the optimistic
 *   lock that keeps two orders of one user from overwriting each other's balance).
 * - `AWARD#<order_id>`: `state` AWARDED | REVOKED, `points`, `user_id`. Written at most once per order
 *   (`attribute_not_exists`): the fence that makes the award exactly-once, and, as a REVOKED tombstone
 *   written by a cancel that came first, keeps a late order.created from awarding anything.
 */
export const userKey = (userId: string): string => `USER#${userId}`;
export const awardKey = (orderId: string): string => `AWARD#${orderId}`;
export const isAwardKey = (pk: unknown): boolean => typeof pk === 'string' && pk.startsWith('AWARD#');

export interface Award {
  pk: string;
  order_id: string;
  user_id: string;
  state: 'AWARDED' | 'REVOKED';
  points: number;
}

export interface Account {
  pk: string;
  user_id: string;
  balance: number;
  version: number;
}

export interface Ledger {
  award?: Award;
  account?: Account;
}

/** The order's award and the user's account, read consistently in one BatchGetItem. */
export async function readLedger(table: string, orderId: string, userId: string): Promise<Ledger> {
  const rows = await readConsistent(dynamoClient(), table, 'pk', [awardKey(orderId), userKey(userId)], systemClock);
  const ledger: Ledger = {};
  for (const row of rows) {
    if (isAwardKey(row.pk)) ledger.award = row as unknown as Award;
    else ledger.account = row as unknown as Account;
  }
  return ledger;
}

/**
 * Sets a user's balance, conditional on the account being as it was read (same version, or still
 * absent): a concurrent change for another order cancels the transaction instead of being lost.
 */
export function setBalance(table: string, userId: string, account: Account | undefined, balance: number): TransactWriteItem {
  if (!account) {
    const created: Account = { pk: userKey(userId), user_id: userId, balance, version: 1 };
    return { Put: { TableName: table, Item: marshall(created), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } };
  }
  return {
    Update: {
      TableName: table,
      Key: marshall({ pk: account.pk }),
      UpdateExpression: 'SET balance = :balance, #version = :next',
      ConditionExpression: '#version = :read',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: marshall({ ':balance': balance, ':next': account.version + 1, ':read': account.version }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
