/** The transactional outbox: writes beside business items, the stream relay and the sweeper. */
export { outboxWrites, TransactionCancelled, transactWithOutbox, type CancelledItem } from './writes.js';
export { createOutboxTable, type OutboxRow, type OutboxTable } from './table.js';
export { createOutboxRelay } from './relay.js';
export { sweepOutbox, type SweepOptions, type SweepSummary } from './sweeper.js';
export { outboxRelayFromEnv, outboxSweeperFromEnv, outboxTableFromEnv } from './from-env.js';
