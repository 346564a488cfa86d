import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DetailOf } from 'courier/contracts';
import type { UserLoginSucceededV1 } from '../events/identity';
import { countedPk, userPk } from './keys';

/**
 * The login counter table: `pk` = `USER#<user_id>`, `user_id`, `logins` (N), `last_login_at` (S,
 * ISO-8601 UTC with milliseconds, so string order is time order); and one `COUNTED#<event_id>` fence item
 * per counted sign-in (`user_id`, `counted_at`, TTL `expires_at`).
 */

/**
 * How long a counted sign-in's fence is kept. The idempotency marker only lasts its horizon (hours to days);
 * a sign-in can come back later than that — a message redriven from a DLQ (14 days), a replay from the bus
 * archive (30 days) — so the fence outlives all of them.
 */
export const COUNTED_FENCE_SECONDS = 35 * 24 * 3600;
/** Position of the fence in `loginCountWrites`: its condition failing means "already counted". */
export const FENCE_INDEX = 1;

/** One textual form per instant: the contract also admits `…:31Z` and `…:31.5Z`, which compare wrongly as strings. */
export const canonicalTime = (iso: string): string => new Date(iso).toISOString();

/**
 * The writes for one sign-in, given the `last_login_at` read just before: the count, and the sign-in's
 * fence (`attribute_not_exists`), committed together — so a sign-in redelivered after its idempotency
 * marker expired finds its fence and is not counted again. Every sign-in counts; the time moves only
 * forward, so a late (older) sign-in only adds to the count. When it does move, the condition guards the
 * read: if a newer sign-in landed meanwhile the write fails and nothing is applied.
 */
export function loginCountWrites(table: string, login: DetailOf<typeof UserLoginSucceededV1>, lastLoginAt: string | undefined, now: number): TransactWriteItem[] {
  return [countWrite(table, login, lastLoginAt), fenceWrite(table, login, now)];
}

function countWrite(table: string, login: DetailOf<typeof UserLoginSucceededV1>, lastLoginAt: string | undefined): TransactWriteItem {
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

function fenceWrite(table: string, login: DetailOf<typeof UserLoginSucceededV1>, now: number): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: marshall({ pk: countedPk(login.event_id), user_id: login.user_id, counted_at: new Date(now).toISOString(), expires_at: Math.floor(now / 1000) + COUNTED_FENCE_SECONDS }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
