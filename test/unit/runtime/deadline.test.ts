import { describe, expect, it } from 'vitest';
import { BatchClock, leaseMs, withDeadline } from '../../../functions/runtime/consume/deadline';
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

describe('withDeadline with no time left', () => {
  it('does not start the work at all', async () => {
    let started = false;
    await expect(withDeadline(0, async () => { started = true; })).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(started).toBe(false);
  });
});

describe('BatchClock', () => {
  const context = (remaining: number) => ({ getRemainingTimeInMillis: () => remaining });

  it('gives a record its own budget when the invocation and the lease have time', () => {
    const before = Date.now();
    const deadline = new BatchClock(context(60_000), 10_000, 2_000, before + 40_000).recordDeadline();
    expect(deadline).toBeGreaterThanOrEqual(before + 10_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  it('cuts a record at the invocation end minus the margin', () => {
    const deadline = new BatchClock(context(5_000), 10_000, 2_000).recordDeadline();
    expect(deadline - Date.now()).toBeLessThanOrEqual(3_000);
    expect(deadline - Date.now()).toBeGreaterThan(2_900);
  });

  it('cuts a record at the lease end minus the margin, so the completion flush still fits inside the lease', () => {
    const leaseEnd = Date.now() + 4_000;
    const clock = new BatchClock(context(300_000), 10_000, 2_000, leaseEnd);
    expect(clock.recordDeadline()).toBe(leaseEnd - 2_000);
    expect(clock.end()).toBe(leaseEnd);
  });

  it('lets no record start once less than the margin is left', () => {
    expect(new BatchClock(context(1_999), 10_000, 2_000).canStart()).toBe(false);
    expect(new BatchClock(context(60_000), 10_000, 2_000, Date.now() + 1_000).canStart()).toBe(false);
    expect(new BatchClock(context(60_000), 10_000, 2_000, Date.now() + 30_000).canStart()).toBe(true);
  });
});

describe('leaseMs', () => {
  it('covers every record’s budget one after another plus the margin for the completion flush', () => {
    expect(leaseMs({ getRemainingTimeInMillis: () => 300_000 }, 3, 10_000, 2_000)).toBe(32_000);
  });
  it('never outlasts the invocation', () => {
    expect(leaseMs({ getRemainingTimeInMillis: () => 20_000 }, 3, 10_000, 2_000)).toBe(20_000);
  });
});
