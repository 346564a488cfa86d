import { describe, expect, it } from 'vitest';
import type { OrderItem } from '../../../functions/orders/order-record';
import { checkInvariants, type InvariantInput } from '../../../scripts/chaos/invariants';
import type { PlacedOrder } from '../../../scripts/chaos/load';
import type { SystemSnapshot } from '../../../scripts/chaos/snapshot';

/** Two orders the way a settled system leaves them: one confirmed, one rejected by risk whose cancel reached inventory first. */
function world() {
  const placed: PlacedOrder[] = [
    { index: 0, order_id: 'ord-a', user_id: 'u1', lines: [{ sku: 'SKU-TEA', qty: 2, unit_price_minor: 450 }], cancel: false },
    { index: 1, order_id: 'ord-b', user_id: 'u1', lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 90_000 }], cancel: false },
  ];
  const order = (id: string, over: Partial<OrderItem>): OrderItem =>
    ({ pk: `ORDER#${id}`, order_id: id, user_id: 'u1', currency: 'EUR', lines: [], status: 'CONFIRMED', stock: 'RESERVED', risk_decision: 'approve', risk_score: 0, correlation_id: id, created_at: '', updated_at: '', version: 4, ...over }) as OrderItem;
  const rows = [
    { service: 'orders', event_id: 'e-created-a', detail_type: 'order.created.v1', source: 'courier.orders', detail: '{}', status: 'PUBLISHED' },
    { service: 'orders', event_id: 'e-created-b', detail_type: 'order.created.v1', source: 'courier.orders', detail: '{}', status: 'PUBLISHED' },
    { service: 'orders', event_id: 'e-cancel-b', detail_type: 'order.cancelled.v1', source: 'courier.orders', detail: '{}', status: 'PUBLISHED' },
    { service: 'inventory', event_id: 'e-reserved-a', detail_type: 'inventory.reserved.v1', source: 'courier.inventory', detail: '{}', status: 'PUBLISHED' },
    { service: 'points', event_id: 'e-points-a', detail_type: 'points.awarded.v1', source: 'courier.points', detail: '{}', status: 'PUBLISHED' },
    { service: 'points', event_id: 'e-points-b', detail_type: 'points.awarded.v1', source: 'courier.points', detail: '{}', status: 'PUBLISHED' },
    { service: 'inventory', event_id: 'e-released-b', detail_type: 'inventory.released.v1', source: 'courier.inventory', detail: '{}', status: 'PUBLISHED' },
    { service: 'points', event_id: 'e-revoked-b', detail_type: 'points.revoked.v1', source: 'courier.points', detail: '{}', status: 'PUBLISHED' },
  ];
  const snapshot: SystemSnapshot = {
    orders: new Map([
      ['ord-a', order('ord-a', { total_minor: 900, points: 9 })],
      ['ord-b', order('ord-b', { total_minor: 90_000, points: 900, status: 'REJECTED', stock: 'PENDING', risk_decision: 'reject', released_lines: [], revoked_points: 900 })],
    ]),
    available: new Map([['SKU-TEA', 8]]),
    reservations: new Map([
      ['ord-a', { pk: 'RES#ord-a', order_id: 'ord-a', state: 'RESERVED', lines: [{ sku: 'SKU-TEA', qty: 2 }] }],
      ['ord-b', { pk: 'RES#ord-b', order_id: 'ord-b', state: 'RELEASED', lines: [] }],
    ]),
    balances: new Map([['u1', { pk: 'USER#u1', user_id: 'u1', balance: 9, version: 3 }]]),
    awards: new Map([
      ['ord-a', { pk: 'AWARD#ord-a', order_id: 'ord-a', user_id: 'u1', state: 'AWARDED', points: 9 }],
      ['ord-b', { pk: 'AWARD#ord-b', order_id: 'ord-b', user_id: 'u1', state: 'REVOKED', points: 900 }],
    ]),
    outboxRows: rows,
    markers: new Map([
      ['inventory-orders', { completed: new Set(['e-created-a', 'e-created-b', 'e-cancel-b']), inProgress: 0 }],
      ['risk-assess', { completed: new Set(['e-created-a', 'e-created-b']), inProgress: 0 }],
      ['points-ledger', { completed: new Set(['e-created-a', 'e-created-b', 'e-cancel-b']), inProgress: 0 }],
      ['orders-progress', { completed: new Set(['e-reserved-a', 'e-points-a', 'e-points-b', 'e-released-b', 'e-revoked-b', 'risk-a', 'risk-b']), inProgress: 0 }],
    ]),
    auditEventIds: [],
    loginsPerUser: new Map(),
    configCache: [],
    failedMessages: [],
    subscribers: new Map([
      ['order.created.v1', ['inventory-orders', 'risk-assess', 'points-ledger']],
      ['order.cancelled.v1', ['inventory-orders', 'points-ledger']],
      ['inventory.reserved.v1', ['orders-progress']],
      ['inventory.rejected.v1', ['orders-progress']],
      ['risk.assessed.v1', ['orders-progress']],
      ['points.awarded.v1', ['orders-progress']],
      ['inventory.released.v1', ['orders-progress']],
      ['points.revoked.v1', ['orders-progress']],
    ]),
  };
  const input: InvariantInput = { snapshot, placed, cancelled: new Set(), seed: { 'SKU-TEA': 10 }, logins: { eventIds: [], perUser: {} }, dlqMessages: [] };
  return { input, snapshot };
}

const failing = (report: ReturnType<typeof checkInvariants>) => report.checks.filter((c) => !c.ok).map((c) => c.name);

describe('chaos invariants', () => {
  it('hold for a settled system, counting the reply a compensation fenced off', () => {
    const report = checkInvariants(world().input);
    expect(failing(report)).toEqual([]);
    expect(report).toMatchObject({ lost: 0, doubleEffects: 0, fencedReplies: 1, statuses: { CONFIRMED: 1, REJECTED: 1 } });
  });

  it('count stock taken twice as a double effect', () => {
    const { input, snapshot } = world();
    snapshot.available.set('SKU-TEA', 6);
    const report = checkInvariants(input);
    expect(report.doubleEffects).toBe(1);
    expect(failing(report)).toEqual(['stock never negative, equal to seed − reserved-and-not-released']);
  });

  it('count a subscriber that never completed an event as lost', () => {
    const { input, snapshot } = world();
    snapshot.markers.get('points-ledger')!.completed.delete('e-cancel-b');
    const report = checkInvariants(input);
    expect(report.lost).toBe(1);
    expect(failing(report)).toEqual(['every event produced is consumed once by every subscriber']);
  });

  it('count a risk assessment announced twice under a new event id as a double effect', () => {
    const { input, snapshot } = world();
    snapshot.markers.get('orders-progress')!.completed.add('risk-a-again');
    expect(checkInvariants(input).doubleEffects).toBe(1);
  });

  it('count a rejected order that still holds its points as a lost revocation, and a balance above the standing awards as doubled', () => {
    const { input, snapshot } = world();
    snapshot.awards.get('ord-b')!.state = 'AWARDED';
    snapshot.balances.get('u1')!.balance = 909;
    const report = checkInvariants(input);
    expect(report.lost).toBe(1);
    expect(report.doubleEffects).toBe(1);
  });

  it('count a cancelled or rejected order that does not show its compensations (or shows other ones than were applied) as lost', () => {
    const { input, snapshot } = world();
    snapshot.orders.set('ord-b', { ...snapshot.orders.get('ord-b')!, revoked_points: undefined });
    let report = checkInvariants(input);
    expect(report.lost).toBe(1);
    expect(failing(report)).toEqual(['cancelled and rejected orders show their compensations done, as inventory and points applied them']);
    snapshot.orders.set('ord-b', { ...snapshot.orders.get('ord-b')!, revoked_points: 900, released_lines: [{ sku: 'SKU-TEA', qty: 1 }] });
    report = checkInvariants(input);
    expect(report.checks.find((c) => !c.ok)!.detail).toContain('inventory gave back []');
  });

  it('refuse a missing reply that no tombstone explains', () => {
    const { input, snapshot } = world();
    snapshot.reservations.delete('ord-b');
    const report = checkInvariants(input);
    expect(failing(report)).toContain('every order final, every reply recorded');
    expect(report.lost).toBe(1);
  });
});
