import { describe, expect, it } from 'vitest';
import { DYNAMODB, simulateHotSku } from '../../../bench/hot-sku';

const itemCap = DYNAMODB.partitionWcuPerSecond / DYNAMODB.wcuPerTransactItem;

describe('hot SKU simulation', () => {
  it('caps one stock item at ≈ 500 transactional reservations/s and lets the backlog grow by the rest', () => {
    for (const offeredPerSecond of [1_000, 2_000]) {
      for (const conflictWindowMs of [0, 1]) {
        const r = simulateHotSku({ offeredPerSecond, shards: 1, assume: { conflictWindowMs } });
        expect(itemCap).toBe(500);
        expect(r.achievedPerSecond).toBeGreaterThan(0.95 * itemCap);
        expect(r.achievedPerSecond).toBeLessThan(1.02 * itemCap);
        expect(r.throttled).toBeGreaterThan(0);
        expect(r.backlog).toBeGreaterThan(0.9 * (offeredPerSecond - itemCap) * r.seconds);
        expect(r.oldestWaitingMs).toBeGreaterThan(0.9 * r.seconds * 1000);
      }
    }
  });

  it('sustains 4,000 reservations/s over 10 shard items', () => {
    const r = simulateHotSku({ offeredPerSecond: 4_000, shards: 10 });
    expect(r.achievedPerSecond).toBeGreaterThan(0.98 * 4_000);
    expect(r.backlog).toBeLessThan(0.001 * r.arrived);
    expect(r.throttled).toBe(0);
    expect(r.p99Ms).toBeLessThan(1_000);
  });

  it('is deterministic for a seed', () => {
    const run = { offeredPerSecond: 800, shards: 2, seconds: 10, seed: 42 };
    expect(simulateHotSku(run)).toEqual(simulateHotSku(run));
    expect(simulateHotSku({ ...run, seed: 43 })).not.toEqual(simulateHotSku(run));
  });
});
