/**
 * Exponential backoff with full jitter (delay drawn uniformly from [0, min(cap, base·2^(n-1))]):
 * retries from many producers spread out instead of hitting a throttled bus in lockstep.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

/** Time and randomness, injectable so retry loops run instantly and deterministically in tests. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

/**
 * The real clock: `Date.now`, `setTimeout` and `Math.random`. The default wherever courier takes a
 * `clock`; tests pass a fake one instead.
 *
 * @example
 * const rows = await readConsistent(dynamoClient(), STOCK_TABLE, 'pk', [skuKey(sku)], systemClock);
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
