import { dynamoClient } from '../support/aws-clients.js';
import type { ConsumerConfig } from './config.js';
import { withDeadline } from './deadline.js';
import { isPermanent } from './errors.js';
import type { AnyConsumedEvent } from './events.js';
import { commitWithMarker } from './exactly-once.js';
import { wrapHandler, type ConsumerMiddleware } from './middleware.js';
import type { HandlerContext } from './options.js';

export type RunOutcome =
  /** The work is done. `committed`: the marker was completed in the same transaction (nothing left to flush). */
  | { status: 'done'; committed: boolean }
  /** The handler (or onConditionFailed) threw, or the deadline passed before they finished: nothing was applied. */
  | { status: 'failed'; error: unknown }
  /** The commit was refused on the marker: another delivery owns (or completed) the record; nothing was applied. */
  | { status: 'lease_lost' }
  /** The commit may or may not have applied (network error, deadline mid-call): the lease decides on redelivery. */
  | { status: 'commit_unknown'; error: unknown };

export interface RunInput {
  event: AnyConsumedEvent;
  /** The record's end: every phase below stops here (epoch ms). */
  deadlineAt: number;
  /** The completion marker for exactly-once commits, when the record holds a claim. */
  marker?: Parameters<typeof commitWithMarker>[2];
  context: Omit<HandlerContext, 'signal'>;
  middleware: readonly ConsumerMiddleware[];
}

/**
 * Step 3, run: the handler (through the middleware) under the record's deadline; in exactly-once mode
 * its writes commit together with the marker; a failed business condition goes to onConditionFailed.
 * All three share the one deadline, so nothing of a record runs past its lease.
 */
export async function run(config: ConsumerConfig, input: RunInput): Promise<RunOutcome> {
  const within = <T>(work: (signal: AbortSignal) => Promise<T>) => withDeadline(input.deadlineAt - Date.now(), work);
  const handle = wrapHandler(config.handle, input.middleware, config.name);
  let result;
  try {
    result = await within((signal) => handle(input.event, { ...input.context, signal }));
  } catch (error) {
    return { status: 'failed', error };
  }
  if (!result?.writes) return { status: 'done', committed: false };

  let commit;
  try {
    commit = await within((signal) => commitWithMarker(dynamoClient(), result.writes, input.marker, signal));
  } catch (error) {
    return isPermanent(error) ? { status: 'failed', error } : { status: 'commit_unknown', error };
  }
  if (commit.status === 'committed') return { status: 'done', committed: input.marker !== undefined };
  if (commit.status === 'lease_lost') return { status: 'lease_lost' };
  const hook = config.onConditionFailed;
  if (!hook) return { status: 'failed', error: commit.error };
  try {
    await within((signal) => hook(commit.error, input.event, { ...input.context, signal }));
  } catch (error) {
    return { status: 'failed', error };
  }
  return { status: 'done', committed: false };
}
