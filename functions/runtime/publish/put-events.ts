import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { backoffDelay, type BackoffPolicy, type Clock } from '../support/backoff.js';
import { mapLimit } from '../support/map-limit.js';
import { entrySize, planBatches, PUT_EVENTS_MAX_BYTES } from './put-events-batches.js';

/** The only per-entry codes worth resending; every other ErrorCode fails the same way again. */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set(['ThrottlingException', 'InternalFailure']);

/** `attempts`: calls that carried the entry; 0 when the deadline passed before any did (it was never sent). */
export type SendResult =
  | { status: 'published'; attempts: number }
  | { status: 'failed'; code: string; message: string; retryable: boolean; attempts: number };

export interface SendOptions {
  client: EventBridgeClient;
  busName: string;
  clock: Clock;
  backoff: BackoffPolicy;
  /** Calls per entry, first one included. */
  maxAttempts: number;
  /** Total time budget for one send, retries and waits included. */
  deadlineMs: number;
  /** PutEvents calls in flight at once. */
  concurrency: number;
}

/**
 * Sends entries with PutEvents and returns one result per entry (input order). Only entries that failed
 * with a retryable code (or whose whole call failed transiently) are resent, with backoff, until they
 * succeed, `maxAttempts` is reached, or the next wait would cross the deadline. Never throws for an
 * entry: every outcome, including FailedEntryCount > 0, is reported per entry.
 */
export async function sendEntries(entries: readonly PutEventsRequestEntry[], options: SendOptions): Promise<SendResult[]> {
  const { clock } = options;
  const deadlineAt = clock.now() + options.deadlineMs;
  const results = new Array<SendResult>(entries.length);
  const attempts = new Array<number>(entries.length).fill(0);

  const initial = planBatches(entries);
  for (const index of initial.oversize) {
    results[index] = {
      status: 'failed',
      code: 'EntryTooLarge',
      message: `entry is ${entrySize(entries[index]!)} bytes; PutEvents accepts at most ${PUT_EVENTS_MAX_BYTES} bytes per call`,
      retryable: false,
      attempts: 0,
    };
  }

  let pending = initial.batches.flat();
  // Entries of a call refused as a whole with a client fault: sent alone from then on, so the one at fault
  // fails on its own and the others go through.
  const alone = new Set<number>();
  for (let round = 1; pending.length > 0; round++) {
    const current = pending;
    await mapLimit(plan(current, entries, alone), options.concurrency, async (indexes) => {
      // A call the deadline leaves no time for is not made: its entries are not charged an attempt.
      const outcomes = clock.now() < deadlineAt ? await callOnce(indexes.map((i) => entries[i]!), options, deadlineAt) : undefined;
      if (outcomes) for (const i of indexes) attempts[i]! += 1;
      indexes.forEach((entryIndex, k) => {
        const { isolate, ...outcome } = outcomes?.[k] ?? NOT_SENT;
        if (isolate) alone.add(entryIndex);
        results[entryIndex] = { ...outcome, attempts: attempts[entryIndex]! };
      });
    });
    pending = current.filter((i) => {
      const r = results[i]!;
      return r.status === 'failed' && r.retryable;
    });
    if (pending.length === 0) break;
    if (round >= options.maxAttempts) {
      annotate(pending, results, `gave up after ${round} attempts`);
      break;
    }
    const delay = backoffDelay(round, options.backoff, clock.random);
    if (clock.now() + delay >= deadlineAt) {
      annotate(pending, results, `publish deadline of ${options.deadlineMs} ms reached after ${round} attempts`);
      break;
    }
    await clock.sleep(delay);
  }
  return results;
}

type Outcome = { status: 'published'; isolate?: undefined } | { status: 'failed'; code: string; message: string; retryable: boolean; isolate?: boolean };

/**
 * This round's calls, as entry indexes: re-planned each round, so resending only the failed entries packs
 * them into fewer calls; entries marked `alone` get a call each.
 */
function plan(pending: readonly number[], entries: readonly PutEventsRequestEntry[], alone: ReadonlySet<number>): number[][] {
  const grouped = pending.filter((i) => !alone.has(i));
  return [...planBatches(grouped.map((i) => entries[i]!)).batches.map((batch) => batch.map((k) => grouped[k]!)), ...pending.filter((i) => alone.has(i)).map((i) => [i])];
}

/** An entry whose call the deadline left no time for; `attempts` says whether an earlier round sent it. */
const NOT_SENT: Outcome = { status: 'failed', code: 'DeadlineExceeded', message: 'publish deadline reached before the call; not sent', retryable: true };

async function callOnce(entries: PutEventsRequestEntry[], options: SendOptions, deadlineAt: number): Promise<Outcome[]> {
  try {
    // A call cut off by the deadline may still have been accepted: it is reported retryable and a
    // resend carries the same event_id, so consumers dedupe it.
    const abortSignal = AbortSignal.timeout(Math.max(1, deadlineAt - options.clock.now()));
    const response = await options.client.send(
      new PutEventsCommand({ Entries: entries.map((e) => ({ ...e, EventBusName: options.busName })) }),
      { abortSignal },
    );
    return entries.map((_, k) => {
      const result = response.Entries?.[k];
      if (result?.EventId && !result.ErrorCode) return { status: 'published' };
      if (result?.ErrorCode) {
        return { status: 'failed', code: result.ErrorCode, message: result.ErrorMessage ?? result.ErrorCode, retryable: RETRYABLE_ENTRY_CODES.has(result.ErrorCode) };
      }
      // No id and no error (FailedEntryCount says something went wrong, or the response is short): unknown, so resend.
      return { status: 'failed', code: 'MissingResult', message: `no result for entry ${k} (FailedEntryCount ${response.FailedEntryCount ?? '?'})`, retryable: true };
    });
  } catch (error) {
    const { code, message, retryable } = classifyCallError(error);
    // A client fault for the whole call may be one entry's doing (a validation error): never blame them all.
    if (!retryable && entries.length > 1) {
      const why = `${message} (the whole call of ${entries.length} entries was refused; each is sent alone to find which)`;
      return entries.map(() => ({ status: 'failed', code, message: why, retryable: true, isolate: true }));
    }
    return entries.map(() => ({ status: 'failed', code, message, retryable }));
  }
}

/**
 * A whole call that failed: client faults (access denied, unknown bus, validation) are permanent for a
 * call of one entry (a call of several is split up first); throttling, server faults, timeouts and network
 * errors are worth another try.
 */
export function classifyCallError(error: unknown): { code: string; message: string; retryable: boolean } {
  const e = error as { name?: string; message?: string; $fault?: string };
  const code = e?.name ?? 'Error';
  const message = e?.message ?? String(error);
  const throttled = code === 'ThrottlingException' || code === 'TooManyRequestsException';
  return { code, message, retryable: throttled || e?.$fault !== 'client' };
}

function annotate(indexes: number[], results: SendResult[], why: string): void {
  for (const i of indexes) {
    const r = results[i]!;
    if (r.status === 'failed') results[i] = { ...r, message: `${r.message} (${why})` };
  }
}
