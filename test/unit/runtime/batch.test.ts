import { describe, expect, it } from 'vitest';
import { forEachBounded, isFifo, units } from '../../../functions/runtime/batch';
import { FIFO_ARN, sqsRecord } from './helpers';

describe('batch scheduling', () => {
  it('detects FIFO sources by the .fifo queue name', () => {
    expect(isFifo([sqsRecord('{}', { arn: FIFO_ARN })])).toBe(true);
    expect(isFifo([sqsRecord('{}')])).toBe(false);
    expect(isFifo([])).toBe(false);
  });

  it('groups FIFO records by message group, keeping arrival order', () => {
    const records = ['a', 'b', 'a', 'c', 'b'].map((group, i) => ({ record: sqsRecord('{}', { arn: FIFO_ARN, group }), i }));
    expect(units(records, true).map((u) => u.map((x) => x.i))).toEqual([[0, 2], [1, 4], [3]]);
    expect(units(records, false)).toHaveLength(5);
  });

  it('never runs more than the limit at once, and runs everything', async () => {
    let inFlight = 0;
    let peak = 0;
    const done: number[] = [];
    await forEachBounded([...Array(25).keys()], 4, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      done.push(i);
    });
    expect(peak).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });
});
