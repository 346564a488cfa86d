import { DEFAULT_SWEEP_AFTER_SECONDS, sweepOutbox } from '../runtime/outbox/sweeper.js';
import { outboxTableFromEnv } from '../runtime/outbox/from-env.js';
import { publisherFromEnv } from '../runtime/publish/from-env.js';
import { positiveIntEnv } from '../runtime/support/env.js';

/**
 * Scheduled (the schedule's event is ignored), or invoked by `courier outbox retry` with
 * `{ olderThanSeconds }` to sweep rows younger than the usual threshold.
 * Env: OUTBOX_TABLE, EVENT_BUS_NAME, SERVICE_NAME, SWEEP_AFTER_SECONDS (default 60).
 */
const table = outboxTableFromEnv();
const publisher = publisherFromEnv();
const olderThanMs = positiveIntEnv('SWEEP_AFTER_SECONDS', DEFAULT_SWEEP_AFTER_SECONDS) * 1000;

export const handler = (event?: { olderThanSeconds?: unknown }) => {
  const requested = event?.olderThanSeconds;
  const override = typeof requested === 'number' && Number.isInteger(requested) && requested >= 0 ? requested * 1000 : undefined;
  return sweepOutbox({ table, publisher, olderThanMs: override ?? olderThanMs });
};
