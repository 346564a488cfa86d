import { createOutboxRelay } from '../runtime/outbox-relay';
import { outboxTableFromEnv, publisherFromEnv } from '../runtime/publishing-env';

/** Outbox stream → bus. Env: OUTBOX_TABLE, EVENT_BUS_NAME, SERVICE_NAME. ReportBatchItemFailures must be on. */
export const handler = createOutboxRelay({ table: outboxTableFromEnv(), publisher: publisherFromEnv() });
