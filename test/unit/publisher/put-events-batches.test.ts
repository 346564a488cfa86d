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

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html: "The total entry size must
  // be less than 256KB" — 262,144 bytes is one byte too many, for a call and for a single entry.
  it('fills a call to 256 KB − 1 byte, and never to 256 KB', () => {
    expect(PUT_EVENTS_MAX_BYTES).toBe(256 * 1024 - 1);
    const half = entry(128 * 1024 - overhead); // two of them are exactly 256 KB
    const oneLess = { ...half, Detail: half.Detail.slice(1) };
    expect(entrySize(half) + entrySize(oneLess)).toBe(256 * 1024 - 1);
    expect(planBatches([half, oneLess]).batches).toEqual([[0, 1]]);
    expect(entrySize(half) * 2).toBe(256 * 1024);
    expect(planBatches([half, half]).batches).toEqual([[0], [1]]);
  });

  it('refuses a single entry of exactly 256 KB and sends one of 256 KB − 1 byte', () => {
    const exact = entry(256 * 1024 - overhead);
    expect(entrySize(exact)).toBe(256 * 1024);
    expect(planBatches([exact])).toEqual({ batches: [], oversize: [0] });
    const largest = { ...exact, Detail: exact.Detail.slice(1) };
    expect(planBatches([largest])).toEqual({ batches: [[0]], oversize: [] });
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
