import { createOutboxRelay } from '../runtime/outbox/relay.js';
import { outboxTableFromEnv } from '../runtime/outbox/from-env.js';
import { publisherFromEnv } from '../runtime/publish/from-env.js';

/** Outbox stream → bus. Env: OUTBOX_TABLE, EVENT_BUS_NAME, SERVICE_NAME. ReportBatchItemFailures must be on. */
export const handler = createOutboxRelay({ table: outboxTableFromEnv(), publisher: publisherFromEnv() });
