import { DeadlineExceeded } from './errors.js';

/**
 * Runs `work` under an AbortSignal that fires after `ms`, and stops waiting for it then even if `work`
 * ignores the signal: the caller gets DeadlineExceeded and can report the record, instead of the platform
 * killing the whole batch at the invocation timeout. (The abandoned promise keeps running in the
 * background; it can no longer affect the outcome, and fencing keeps it from completing the record.)
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // No time left: do not start work that could only be abandoned halfway.
  if (ms <= 0) throw new DeadlineExceeded('deadline passed before the work started');
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceeded(`deadline of ${ms} ms exceeded`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `work` until the epoch-ms moment `deadlineAt` (no limit when it is Infinity): the same as
 * withDeadline, for callers that hold an end time rather than a budget.
 */
export const until = <T>(deadlineAt: number, work: (signal?: AbortSignal) => Promise<T>): Promise<T> =>
  Number.isFinite(deadlineAt) ? withDeadline(deadlineAt - Date.now(), work) : work();

/** The invocation's clock, as the Lambda context reports it. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * The time limits of one batch: the invocation's end (read from the context each time: it is the
 * platform's clock) and the end of the leases its claims hold. A record's work must end `marginMs`
 * before the sooner of the two, so the completion flush still fits inside both.
 */
export class BatchClock {
  constructor(
    private readonly context: RemainingTime,
    readonly perRecordMs: number,
    readonly marginMs: number,
    /** When the claims of this batch stop protecting it (epoch ms); Infinity without idempotency. */
    readonly leaseEndsAt: number = Infinity,
  ) {}

  /** The last moment anything of this batch may run: the invocation's end or the lease's, whichever is sooner. */
  end(): number {
    return Math.min(Date.now() + this.context.getRemainingTimeInMillis(), this.leaseEndsAt);
  }

  /** Whether a record may still start: more than the margin is left. */
  canStart(): boolean {
    return this.end() - Date.now() >= this.marginMs;
  }

  /**
   * A record's deadline: its own budget from now, cut at `end() − margin`. The per-record budget is
   * enforced on its own clock because some emulators report a constant remaining time.
   */
  recordDeadline(): number {
    return Math.min(Date.now() + this.perRecordMs, this.end() - this.marginMs);
  }
}

/**
 * How long the claims of an n-record batch are leased: every record's budget one after another plus the
 * margin for the completion flush, but never past the invocation's end.
 */
export const leaseMs = (context: RemainingTime, records: number, perRecordMs: number, marginMs: number): number =>
  Math.min(context.getRemainingTimeInMillis(), records * perRecordMs + marginMs);
