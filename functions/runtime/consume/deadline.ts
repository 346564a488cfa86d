import { DeadlineExceeded } from './errors.js';

/**
 * Runs `work` under an AbortSignal that fires after `ms`, and stops waiting for it then even if `work`
 * ignores the signal: the caller gets DeadlineExceeded and can report the record, instead of the platform
 * killing the whole batch at the invocation timeout. (The abandoned promise keeps running in the
 * background; it can no longer affect the outcome, and fencing keeps it from completing the record.)
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceeded(`deadline of ${ms} ms exceeded`);
      controller.abort(error);
      reject(error);
    }, Math.max(0, ms));
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The invocation's clock, as the Lambda context reports it. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/**
 * A record's budget: min(per-record budget, remaining invocation time − margin). The per-record budget
 * is enforced on its own because some emulators report a constant remaining time.
 */
export const recordBudgetMs = (context: RemainingTime, perRecordMs: number, marginMs: number): number =>
  Math.min(perRecordMs, context.getRemainingTimeInMillis() - marginMs);
