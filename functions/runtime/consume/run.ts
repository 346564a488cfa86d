import { TransactionCanceledException, type AttributeValue, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../support/aws-clients.js';
import type { ConsumerConfig } from './config.js';
import { withDeadline } from './deadline.js';
import { isPermanent } from './errors.js';
import type { AnyConsumedEvent } from './events.js';
import { commitWithMarker, type CommitResult } from './exactly-once.js';
import { wrapHandler, type ConsumerMiddleware } from './middleware.js';
import type { HandlerContext } from './options.js';

export type RunOutcome =
  /** The work is done. `committed`: the marker was written in the same request (nothing left to flush). */
  | { status: 'done'; committed: boolean }
  /** The handler (or onConditionFailed) threw, or the deadline passed before they finished: nothing was applied. */
  | { status: 'failed'; error: unknown }
  /**
   * The commit was refused on the marker: another delivery owns (or completed) the record; nothing was
   * applied. `holder`: that marker, when the marker asked for it (optimistic mode).
   */
  | { status: 'lease_lost'; holder?: Record<string, AttributeValue> }
  /** The transaction was cancelled without a failed condition (a conflict, throttling): nothing was applied. */
  | { status: 'conflict'; error: unknown }
  /** The commit may or may not have applied (network error, deadline mid-call): the lease decides on redelivery. */
  | { status: 'commit_unknown'; error: unknown };

export interface RunInput {
  event: AnyConsumedEvent;
  /** The record's end: every phase below stops here (epoch ms). */
  deadlineAt: number;
  /**
   * The marker to commit with the writes: the completion of our claim (an Update), or in optimistic mode
   * the conditional marker put (a Put), which is written even when there are no writes.
   */
  marker?: TransactWriteItem;
  context: Omit<HandlerContext, 'signal'>;
  middleware: readonly ConsumerMiddleware[];
}

type Within = <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * Step 3, run: the handler (through the middleware) under the record's deadline; in exactly-once mode
 * its writes commit together with the marker; a failed business condition goes to onConditionFailed.
 * All three share the one deadline, so nothing of a record runs past its lease.
 */
export async function run(config: ConsumerConfig, input: RunInput): Promise<RunOutcome> {
  const within: Within = (work) => withDeadline(input.deadlineAt - Date.now(), work);
  const handle = wrapHandler(config.handle, input.middleware, config.name);
  let result;
  try {
    result = await within((signal) => handle(input.event, { ...input.context, signal }));
  } catch (error) {
    return { status: 'failed', error };
  }
  // A marker put (optimistic mode) is the record's only trace of being done: it is written even alone.
  const markerAlways = input.marker?.Put !== undefined;
  if (!result?.writes && !markerAlways) return { status: 'done', committed: false };

  const commit = await commitWithin(within, result?.writes ?? [], input.marker);
  if (commit.status !== 'condition_failed') return commit;
  const hook = config.onConditionFailed;
  if (!hook) return { status: 'failed', error: commit.error };
  try {
    await within((signal) => hook(commit.error, input.event, { ...input.context, signal }));
  } catch (error) {
    return { status: 'failed', error };
  }
  if (!markerAlways) return { status: 'done', committed: false };
  const marked = await commitWithin(within, [], input.marker);
  return marked.status === 'condition_failed' ? { status: 'failed', error: marked.error } : marked;
}

/** One commit under the record's deadline, its result as a run outcome (or the business condition that failed). */
async function commitWithin(
  within: Within,
  writes: readonly TransactWriteItem[],
  marker: TransactWriteItem | undefined,
): Promise<RunOutcome | Extract<CommitResult, { status: 'condition_failed' }>> {
  let commit: CommitResult;
  try {
    commit = await within((signal) => commitWithMarker(dynamoClient(), writes, marker, signal));
  } catch (error) {
    if (isPermanent(error)) return { status: 'failed', error };
    // A cancelled transaction applied nothing: unlike a lost response, its outcome is known.
    if (error instanceof TransactionCanceledException) return { status: 'conflict', error };
    return { status: 'commit_unknown', error };
  }
  if (commit.status === 'committed') return { status: 'done', committed: marker !== undefined };
  return commit;
}
