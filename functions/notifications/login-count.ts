import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import type { UserLoginSucceededV1 } from '../events/identity';
import { userPk } from './keys';

/**
 * The login counter table: `pk` = `USER#<user_id>`, `user_id`, `logins` (N), `last_login_at` (S,
 * ISO-8601 UTC with milliseconds, so string order is time order).
 */

/** One textual form per instant: the contract also admits `…:31Z` and `…:31.5Z`, which compare wrongly as strings. */
export const canonicalTime = (iso: string): string => new Date(iso).toISOString();

/**
 * The update for one sign-in, given the `last_login_at` read just before. Every sign-in counts; the
 * time moves only forward, so a late (older) sign-in only adds to the count. When it does move, the
 * condition guards the read: if a newer sign-in landed meanwhile the write fails and nothing is applied.
 */
export function loginCountWrite(table: string, login: DetailOf<typeof UserLoginSucceededV1>, lastLoginAt: string | undefined): TransactWriteItem {
  const at = canonicalTime(login.occurred_at);
  const Key = marshall({ pk: userPk(login.user_id) });
  if (lastLoginAt !== undefined && lastLoginAt >= at) {
    return { Update: { TableName: table, Key, UpdateExpression: 'ADD logins :one', ExpressionAttributeValues: marshall({ ':one': 1 }) } };
  }
  return {
    Update: {
      TableName: table,
      Key,
      UpdateExpression: 'ADD logins :one SET last_login_at = :at, user_id = :user',
      ConditionExpression: 'attribute_not_exists(last_login_at) OR last_login_at < :at',
      ExpressionAttributeValues: marshall({ ':one': 1, ':at': at, ':user': login.user_id }),
    },
  };
}
