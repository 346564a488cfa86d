import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ConfigChangedV1 } from '../events/config';
import type { DetailOf } from 'courier/contracts';
import { configPk } from './keys';

/**
 * The config cache: `pk` = `CONFIG#<key>`, `key`, `value` (S, or NULL when deleted: kept as a tombstone
 * so an older change cannot bring the value back), `applied_event_id`, `applied_occurred_at`.
 *
 * Applies a change only when it is newer than the one the cache holds. event_ids are UUIDv7, whose
 * string order is creation-time order, so a delayed older change (or a redelivery of the same one)
 * fails the condition and changes nothing; `ALL_OLD` says what the cache holds instead.
 */
export function cacheWrite(table: string, change: DetailOf<typeof ConfigChangedV1>): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: marshall({
        pk: configPk(change.key),
        key: change.key,
        value: change.new_value,
        applied_event_id: change.event_id,
        applied_occurred_at: change.occurred_at,
      }),
      ConditionExpression: 'attribute_not_exists(pk) OR applied_event_id < :event_id',
      ExpressionAttributeValues: { ':event_id': { S: change.event_id } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
