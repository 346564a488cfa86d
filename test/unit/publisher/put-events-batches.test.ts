import { describe, expect, it } from 'vitest';
import { entrySize, planBatches, PUT_EVENTS_MAX_BYTES } from '../../../functions/runtime/publish/put-events-batches';

const entry = (detailBytes: number, char = 'x') => ({
  Source: 'courier.orders',
  DetailType: 'order.created.v1',
  Detail: char.repeat(Math.floor(detailBytes / Buffer.byteLength(char))),
});
const overhead = entrySize({ Source: 'courier.orders', DetailType: 'order.created.v1', Detail: '' });

describe('entrySize', () => {
  it('counts 14 bytes for Time plus UTF-8 bytes of Source, DetailType, Detail and Resources', () => {
    expect(overhead).toBe(14 + 14 + 16);
    expect(entrySize({ ...entry(0), Detail: '{"a":1}', Resources: ['arn:x', 'é'] })).toBe(overhead + 7 + 5 + 2);
  });

  it('counts bytes, not characters, for multi-byte UTF-8', () => {
    expect(entrySize({ ...entry(0), Detail: '€😀' })).toBe(overhead + 3 + 4);
  });
});

describe('planBatches', () => {
  it('puts at most 10 entries in a call', () => {
    const { batches, oversize } = planBatches(Array.from({ length: 25 }, () => entry(100)));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(batches.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(oversize).toEqual([]);
  });

  it('starts a new call when the next entry would pass 256 KB', () => {
    const { batches } = planBatches(Array.from({ length: 5 }, () => entry(100 * 1024)));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('sends a 255 KB entry alone, between its neighbours', () => {
    const entries = [entry(2 * 1024), entry(255 * 1024), entry(2 * 1024)];
    expect(entrySize(entries[1]!)).toBeLessThanOrEqual(PUT_EVENTS_MAX_BYTES);
    const { batches, oversize } = planBatches(entries);
    expect(batches).toEqual([[0], [1], [2]]);
    expect(oversize).toEqual([]);
  });

  it('fills a call to exactly 256 KB but not one byte more', () => {
    const exact = entry(PUT_EVENTS_MAX_BYTES / 2 - overhead);
    expect(planBatches([exact, exact]).batches).toEqual([[0, 1]]);
    const oneMore = { ...exact, Detail: `${exact.Detail}x` };
    expect(planBatches([exact, oneMore]).batches).toEqual([[0], [1]]);
  });

  it('packs multi-byte UTF-8 by bytes: 90 000 "€" are 270 000 bytes, too large though the string is short', () => {
    const euros = { ...entry(0), Detail: '€'.repeat(90_000) };
    expect(euros.Detail.length).toBeLessThan(PUT_EVENTS_MAX_BYTES);
    const { batches, oversize } = planBatches([entry(10), euros, entry(10)]);
    expect(oversize).toEqual([1]);
    expect(batches).toEqual([[0, 2]]);
  });

  it('splits by bytes for multi-byte entries that fit alone', () => {
    const e = { ...entry(0), Detail: '€'.repeat(30_000) }; // 90 000 bytes each
    expect(planBatches([e, e, e, e]).batches).toEqual([[0, 1], [2, 3]]);
  });
});
