import { describe, expect, it } from 'vitest';
import { deriveStatus, type OrderProgress } from '../../../functions/orders/order-progress';

const p = (over: Partial<OrderProgress>): OrderProgress => ({ status: 'PENDING', stock: 'PENDING', ...over });

describe('order status', () => {
  it('stays pending until both stock and risk have answered', () => {
    expect(deriveStatus(p({ stock: 'RESERVED' }))).toBe('PENDING');
    expect(deriveStatus(p({ risk_decision: 'approve' }))).toBe('PENDING');
  });

  it('confirms reserved + approved, whatever order the replies came in', () => {
    expect(deriveStatus(p({ stock: 'RESERVED', risk_decision: 'approve' }))).toBe('CONFIRMED');
  });

  it('holds reserved + review for review', () => {
    expect(deriveStatus(p({ stock: 'RESERVED', risk_decision: 'review' }))).toBe('IN_REVIEW');
  });

  it('rejects on missing stock or a risk rejection, even before the other reply', () => {
    expect(deriveStatus(p({ stock: 'REJECTED' }))).toBe('REJECTED');
    expect(deriveStatus(p({ risk_decision: 'reject' }))).toBe('REJECTED');
    expect(deriveStatus(p({ stock: 'RESERVED', risk_decision: 'reject' }))).toBe('REJECTED');
  });

  it('never leaves a final state', () => {
    expect(deriveStatus(p({ status: 'CANCELLED', stock: 'RESERVED', risk_decision: 'approve' }))).toBe('CANCELLED');
    expect(deriveStatus(p({ status: 'REJECTED', stock: 'RESERVED', risk_decision: 'approve' }))).toBe('REJECTED');
  });
});
