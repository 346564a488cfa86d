import { requiredEnv } from '../support/env.js';
import { createOutboxTable } from './table.js';

/**
 * The outbox table named by `OUTBOX_TABLE`, for the relay and the sweeper.
 * @example
 * const relay = createOutboxRelay({ table: outboxTableFromEnv(), publisher: publisherFromEnv() });
 */
export const outboxTableFromEnv = () => createOutboxTable({ tableName: requiredEnv('OUTBOX_TABLE') });
