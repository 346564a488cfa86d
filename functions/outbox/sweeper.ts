import { DEFAULT_SWEEP_AFTER_SECONDS, sweepOutbox } from '../runtime/outbox-sweeper';
import { outboxTableFromEnv, positiveIntEnv, publisherFromEnv } from '../runtime/publishing-env';

/** Scheduled. Env: OUTBOX_TABLE, EVENT_BUS_NAME, SERVICE_NAME, SWEEP_AFTER_SECONDS (default 60). */
const table = outboxTableFromEnv();
const publisher = publisherFromEnv();
const olderThanMs = positiveIntEnv('SWEEP_AFTER_SECONDS', DEFAULT_SWEEP_AFTER_SECONDS) * 1000;

export const handler = () => sweepOutbox({ table, publisher, olderThanMs });
