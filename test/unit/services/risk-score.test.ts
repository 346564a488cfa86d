import { describe, expect, it } from 'vitest';
import { scoreOrder } from '../../../functions/risk/score';

const order = (total_minor: number, qtys: number[] = [1], currency = 'EUR') => ({
  total_minor,
  currency,
  lines: qtys.map((qty, i) => ({ sku: `SKU-${i}`, qty })),
});

describe('risk scoring', () => {
  it('approves small ordinary orders', () => {
    expect(scoreOrder(order(2_598))).toEqual({ score: 0, decision: 'approve' });
  });

  it('raises the score with the amount, capped', () => {
    expect(scoreOrder(order(20_000)).score).toBe(20);
    expect(scoreOrder(order(10_000_000)).score).toBe(60);
  });

  it('reviews bulk orders and rejects large bulk orders in unusual currencies', () => {
    expect(scoreOrder(order(30_000, [11, 11]))).toEqual({ score: 60, decision: 'review' });
    expect(scoreOrder(order(50_000, [25], 'XAU'))).toEqual({ score: 95, decision: 'reject' });
  });

  it('is deterministic', () => {
    const o = order(12_345, [3, 4], 'JPY');
    expect(scoreOrder(o)).toEqual(scoreOrder(structuredClone(o)));
  });
});
