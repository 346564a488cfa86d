import { ConfigChangedV1 } from '../events/config';
import { consumer, requiredEnv } from 'courier/runtime';
import { acknowledgeAlreadyApplied } from './already-applied';
import { cacheWrite } from './config-cache-entry';

const CACHE_TABLE = requiredEnv('CONFIG_CACHE_TABLE');

/**
 * Cache of current config values. The conditional write alone already makes a change idempotent and
 * order-safe; optimistic exactly-once mode adds no request (the write and the marker are one
 * transaction, no claim), and a redelivered duplicate stops at the marker read, before the handler runs.
 */
export const handler = consumer({
  events: [ConfigChangedV1],
  idempotency: { mode: 'optimistic' },
  orderingKey: (event) => event.detail.key,
  handle: async (event) => ({ writes: [cacheWrite(CACHE_TABLE, event.detail)] }),
  onConditionFailed: acknowledgeAlreadyApplied('the cache holds this change or a newer one'),
});
