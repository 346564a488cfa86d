/** The transactional outbox: writes beside business items, the stream relay and the sweeper. */
export { outboxWrites, TRANSACT_MAX_ITEMS, TransactionCancelled, transactWithOutbox, type CancelledItem } from './writes.js';
export { createOutboxTable, OUTBOX_RETENTION_MS, type OutboxRow, type OutboxTable } from './table.js';
export { createOutboxRelay } from './relay.js';
export { DEFAULT_OUTBOX_MAX_ATTEMPTS, DEFAULT_SWEEP_AFTER_SECONDS, sweepOutbox, type SweepOptions, type SweepSummary } from './sweeper.js';
export { outboxRelayFromEnv, outboxSweeperFromEnv, outboxTableFromEnv } from './from-env.js';
