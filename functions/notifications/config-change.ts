import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConfigChangedV1 } from '../events/config';
import { outgoing, type OutgoingEvent } from 'courier/runtime';
import { configPk } from './keys';
import type { PutConfigRequest } from './requests';

/**
 * The config table: `pk` = `CONFIG#<key>`, `key`, `value` (S, or NULL once deleted: the item stays as
 * a tombstone so its `version` keeps counting), `version` (N, +1 per change), `updated_at`, `updated_by`.
 */
export interface ConfigEntry {
  key: string;
  value: string | null;
  /** 0 when the key was never written. */
  version: number;
  updated_at?: string;
  updated_by?: string;
}

export const readConfigEntry = (key: string, item: Record<string, AttributeValue> | undefined): ConfigEntry | undefined => {
  if (!item) return undefined;
  const row = unmarshall(item);
  return { key, value: row.value ?? null, version: Number(row.version), updated_at: row.updated_at, updated_by: row.updated_by };
};

export type ConfigChange =
  | { changed: false; entry: ConfigEntry }
  | { changed: true; entry: ConfigEntry; write: TransactWriteItem; event: OutgoingEvent<typeof ConfigChangedV1> };

/**
 * What `PUT /config/{key}` does given what the table held when read: nothing when the value is the same,
 * otherwise a write conditional on that read still being current (the version it saw, or no item) and
 * the `config.changed.v1` announcing it, committed together by the caller.
 */
export function planConfigChange(table: string, key: string, current: ConfigEntry | undefined, request: PutConfigRequest, now: Date): ConfigChange {
  const oldValue = current?.value ?? null;
  if (oldValue === request.value) return { changed: false, entry: current ?? { key, value: null, version: 0 } };
  const entry: ConfigEntry = {
    key,
    value: request.value,
    version: (current?.version ?? 0) + 1,
    updated_at: now.toISOString(),
    updated_by: request.changed_by,
  };
  const write: TransactWriteItem = {
    Put: {
      TableName: table,
      Item: marshall({ pk: configPk(key), ...entry }),
      ...(current
        ? { ConditionExpression: '#version = :seen', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':seen': { N: String(current.version) } } }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
  const event = outgoing(ConfigChangedV1, { key, old_value: oldValue, new_value: request.value, changed_by: request.changed_by });
  return { changed: true, entry, write, event };
}
