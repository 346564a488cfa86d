import { describe, expect, it } from 'vitest';
import { isFifo, units } from '../../../functions/runtime/batch';
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
});
