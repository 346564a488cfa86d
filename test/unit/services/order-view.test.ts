import { describe, expect, it } from 'vitest';
import type { OrderItem } from '../../../functions/orders/order-record';
import { orderView } from '../../../functions/orders/order-view';

const order = (over: Partial<OrderItem>): OrderItem => ({
  pk: 'ORDER#ord_1',
  order_id: 'ord_1',
  user_id: 'user-42',
  currency: 'EUR',
  lines: [{ sku: 'SKU-TEA', qty: 2, unit_price_minor: 450 }],
  total_minor: 900,
  status: 'CONFIRMED',
  stock: 'RESERVED',
  risk_score: 3,
  risk_decision: 'approve',
  points: 9,
  correlation_id: 'chain-1',
  created_at: '2026-11-28T10:15:30.000Z',
  updated_at: '2026-11-28T10:15:31.000Z',
  version: 4,
  ...over,
});

describe('GET /orders/{id} view', () => {
  it('a standing order shows its progress and no compensations', () => {
    const view = orderView(order({}));
    expect(view.progress).toEqual({ stock: { state: 'RESERVED' }, risk: { score: 3, decision: 'approve' }, points: 9 });
    expect(view).not.toHaveProperty('compensations');
  });

  it('a cancelled order whose compensations were reported shows them done, not its pre-cancel progress', () => {
    const view = orderView(order({ status: 'CANCELLED', status_reason: 'changed my mind', released_lines: [{ sku: 'SKU-TEA', qty: 2 }], revoked_points: 9 }));
    expect(view.progress).toEqual({ stock: { state: 'RELEASED' }, risk: { score: 3, decision: 'approve' }, points: 0 });
    expect(view.compensations).toEqual({ stock: { state: 'DONE', released: [{ sku: 'SKU-TEA', qty: 2 }] }, points: { state: 'DONE', revoked: 9 } });
  });

  it('shows each compensation pending until its service reports it', () => {
    const view = orderView(order({ status: 'REJECTED', status_reason: 'risk_rejected', risk_decision: 'reject', revoked_points: 9 }));
    expect(view.progress.stock.state).toBe('RESERVED');
    expect(view.compensations).toEqual({ stock: { state: 'PENDING' }, points: { state: 'DONE', revoked: 9 } });
  });

  it('an order that never got stock stays REJECTED; one fenced before its reservation shows RELEASED', () => {
    const rejected = orderView(order({ status: 'REJECTED', stock: 'REJECTED', stock_reason: 'out_of_stock', points: undefined, released_lines: [], revoked_points: 0 }));
    expect(rejected.progress.stock.state).toBe('REJECTED');
    expect(rejected.compensations).toEqual({ stock: { state: 'DONE', released: [] }, points: { state: 'DONE', revoked: 0 } });
    const fenced = orderView(order({ status: 'CANCELLED', stock: 'PENDING', points: undefined, released_lines: [] }));
    expect(fenced.progress.stock.state).toBe('RELEASED');
  });
});
