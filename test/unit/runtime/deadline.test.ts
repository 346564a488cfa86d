import { describe, expect, it } from 'vitest';
import { recordBudgetMs, withDeadline } from '../../../functions/runtime/consume/deadline';
import { DeadlineExceeded } from '../../../functions/runtime/consume/errors';

describe('withDeadline', () => {
  it('returns the result of work that finishes in time', async () => {
    await expect(withDeadline(100, async () => 'done')).resolves.toBe('done');
  });

  it('aborts the signal at the deadline and rejects with DeadlineExceeded', async () => {
    let seen: AbortSignal | undefined;
    const work = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<string>((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    };
    await expect(withDeadline(20, work)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(seen?.aborted).toBe(true);
  });

  it('cuts off work that ignores its signal', async () => {
    const started = Date.now();
    const stubborn = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 500));
    await expect(withDeadline(30, stubborn)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('passes the work’s own error through', async () => {
    await expect(withDeadline(100, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  });
});

describe('recordBudgetMs', () => {
  it('is the per-record budget when the invocation has time', () => {
    expect(recordBudgetMs({ getRemainingTimeInMillis: () => 60_000 }, 10_000, 2_000)).toBe(10_000);
  });
  it('is the remaining time minus the margin near the end of the invocation', () => {
    expect(recordBudgetMs({ getRemainingTimeInMillis: () => 5_000 }, 10_000, 2_000)).toBe(3_000);
  });
});
