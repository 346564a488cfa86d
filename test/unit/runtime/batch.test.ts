import { describe, expect, it } from 'vitest';
import { isFifo, units } from '../../../functions/runtime/consume/batch';
import { FIFO_ARN, sqsRecord } from './helpers';

describe('batch scheduling', () => {
  it('detects FIFO sources by the .fifo queue name', () => {
    expect(isFifo([sqsRecord('{}', { arn: FIFO_ARN })])).toBe(true);
    expect(isFifo([sqsRecord('{}')])).toBe(false);
    expect(isFifo([])).toBe(false);
  });

  it('groups records by key, keeping arrival order; keyless records run alone', () => {
    const items = ['a', 'b', 'a', undefined, 'c', 'b', undefined].map((group, i) => ({ group, i }));
    expect(units(items, (x) => x.group).map((u) => u.map((x) => x.i))).toEqual([[0, 2], [1, 5], [3], [4], [6]]);
    expect(units(items, () => undefined)).toHaveLength(7);
  });
});
