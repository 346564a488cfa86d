import type { DynamoDBStreamEvent } from 'aws-lambda';
import { ENV } from '../../contracts/conventions.js';
import { publisherFromEnv } from '../publish/from-env.js';
import { positiveIntEnv, requiredEnv } from '../support/env.js';
import { withInvocation, type LambdaContextLike } from '../support/invocation.js';
import { createOutboxRelay } from './relay.js';
import { DEFAULT_OUTBOX_MAX_ATTEMPTS, DEFAULT_SWEEP_AFTER_SECONDS, sweepOutbox } from './sweeper.js';
import { createOutboxTable } from './table.js';

/**
 * The outbox table named by `OUTBOX_TABLE`, for the relay and the sweeper.
 * @example
 * const relay = createOutboxRelay({ table: outboxTableFromEnv(), publisher: publisherFromEnv() });
 */
export const outboxTableFromEnv = () => createOutboxTable({ tableName: requiredEnv(ENV.outboxTable) });

/**
 * The outbox stream relay's Lambda handler, configured from `OUTBOX_TABLE`, `EVENT_BUS_NAME` and
 * `SERVICE_NAME` (the Outbox construct sets them). Courier ships it prebuilt; an app's own relay entry
 * (to wrap it, e.g. with tracing) is one line.
 * @example
 * export const handler = outboxRelayFromEnv();
 */
export function outboxRelayFromEnv() {
  const relay = createOutboxRelay({ table: outboxTableFromEnv(), publisher: publisherFromEnv() });
  return withInvocation((event: DynamoDBStreamEvent, _context?: LambdaContextLike) => relay(event));
}

/** Time the sweeper keeps for itself after its last page: the page's publish deadline and the writes after it. */
const SWEEP_MARGIN_MS = 10_000;

/**
 * The outbox sweeper's Lambda handler: scheduled (the schedule's event is ignored), or invoked by
 * `courier outbox retry` with `{ olderThanSeconds }` to sweep rows younger than the usual threshold.
 * Env as the relay, plus `SWEEP_AFTER_SECONDS` (default 60) and `MAX_ATTEMPTS` (sweeps before a row that
 * keeps failing is parked, default 12). Stops starting pages 10 s before the invocation's end.
 * @example
 * export const handler = outboxSweeperFromEnv();
 */
export function outboxSweeperFromEnv() {
  const table = outboxTableFromEnv();
  const publisher = publisherFromEnv();
  const olderThanMs = positiveIntEnv(ENV.sweepAfterSeconds, DEFAULT_SWEEP_AFTER_SECONDS) * 1000;
  const maxAttempts = positiveIntEnv(ENV.maxAttempts, DEFAULT_OUTBOX_MAX_ATTEMPTS);
  return withInvocation((event?: { olderThanSeconds?: unknown }, context?: LambdaContextLike & { getRemainingTimeInMillis?(): number }) => {
    const requested = event?.olderThanSeconds;
    const override = typeof requested === 'number' && Number.isInteger(requested) && requested >= 0 ? requested * 1000 : undefined;
    const remaining = context?.getRemainingTimeInMillis?.();
    const deadline = remaining === undefined ? undefined : publisher.clock.now() + remaining - SWEEP_MARGIN_MS;
    return sweepOutbox({ table, publisher, olderThanMs: override ?? olderThanMs, maxAttempts, deadline });
  });
}
