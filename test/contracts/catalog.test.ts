import { describe, expect, it } from 'vitest';
import { catalog, findEvent } from '../../functions/events/catalog';
import { defineEvent, DETAIL_TYPE_PATTERN } from '../../functions/contracts/define';
import { derivedEventId, EVENT_ID_PATTERN, newEventId } from '../../functions/contracts/event-id';
import { OrderCreatedV1 } from '../../functions/events/orders';
import { validDetails } from '../fixtures/details';

type Mutation = [label: string, mutate: (d: Record<string, any>) => void, path: string];

/** Invalid variations every event must reject; the expected error path comes with each. */
const common: Mutation[] = [
  ['missing event_id', (d) => delete d.event_id, 'event_id'],
  ['event_id not a UUIDv7', (d) => (d.event_id = '123'), 'event_id'],
  ['occurred_at with an offset', (d) => (d.occurred_at = '2026-11-28T10:15:30+01:00'), 'occurred_at'],
  ['unknown version', (d) => (d.version = 2), 'version'],
  ['empty correlation_id', (d) => (d.correlation_id = ''), 'correlation_id'],
  ['unknown field', (d) => (d.surprise = true), ''],
];

const specific: Record<string, Mutation[]> = {
  'order.created.v1': [
    ['qty 0', (d) => (d.lines[0].qty = 0), 'lines[0].qty'],
    ['negative total', (d) => (d.total_minor = -1), 'total_minor'],
    ['float money', (d) => (d.total_minor = 25.98), 'total_minor'],
    ['lower-case currency', (d) => (d.currency = 'eur'), 'currency'],
    ['no lines', (d) => (d.lines = []), 'lines'],
    ['order_id too long', (d) => (d.order_id = 'x'.repeat(129)), 'order_id'],
    ['qty as string', (d) => (d.lines[1].qty = '1'), 'lines[1].qty'],
  ],
  'order.cancelled.v1': [
    ['missing order_id', (d) => delete d.order_id, 'order_id'],
    ['empty reason', (d) => (d.reason = ''), 'reason'],
  ],
  'inventory.reserved.v1': [['bad sku', (d) => (d.lines[0].sku = 'not a sku'), 'lines[0].sku']],
  'inventory.rejected.v1': [
    ['unknown reason', (d) => (d.reason = 'warehouse_on_fire'), 'reason'],
    ['no skus', (d) => (d.skus = []), 'skus'],
  ],
  'inventory.released.v1': [
    ['qty 0 in a released line', (d) => (d.lines[0].qty = 0), 'lines[0].qty'],
    ['missing lines', (d) => delete d.lines, 'lines'],
  ],
  'risk.assessed.v1': [
    ['score above 100', (d) => (d.score = 101), 'score'],
    ['unknown decision', (d) => (d.decision = 'maybe'), 'decision'],
  ],
  'points.awarded.v1': [['negative points', (d) => (d.points = -5), 'points']],
  'points.revoked.v1': [
    ['negative points', (d) => (d.points = -1), 'points'],
    ['negative balance', (d) => (d.balance = -1), 'balance'],
  ],
  'user.login_succeeded.v1': [
    ['not an ip', (d) => (d.ip = '999.1.1.1'), 'ip'],
    ['huge user agent', (d) => (d.user_agent = 'a'.repeat(513)), 'user_agent'],
  ],
  'config.changed.v1': [
    ['bad key', (d) => (d.key = 'Has Spaces'), 'key'],
    ['value not a string', (d) => (d.new_value = 100), 'new_value'],
  ],
};

describe('event catalog', () => {
  it('names every event <entity>.<action>.v<N> with a <org>.<domain> source, once', () => {
    const names = catalog.map((e) => e.detailType);
    expect(new Set(names).size).toBe(names.length);
    for (const event of catalog) {
      expect(event.detailType).toMatch(DETAIL_TYPE_PATTERN);
      expect(event.source).toMatch(/^courier\.[a-z]+$/);
    }
    expect(names).toEqual(expect.arrayContaining(Object.keys(specific)));
    expect(catalog).toHaveLength(Object.keys(specific).length);
  });

  it('refuses to define a badly named event', () => {
    expect(() => defineEvent({ source: 'courier.orders', detailType: 'OrderCreated', description: '', payload: {} })).toThrow(/detail-type/);
    expect(() => defineEvent({ source: 'orders', detailType: 'order.created.v1', description: '', payload: {} })).toThrow(/source/);
  });

  it('finds events by detail-type and knows no unknown version', () => {
    expect(findEvent('order.created.v1')).toBe(OrderCreatedV1);
    expect(findEvent('order.created.v2')).toBeUndefined();
  });

  for (const event of catalog) {
    describe(event.detailType, () => {
      it('accepts a valid example and types it', () => {
        const result = event.parse(validDetails()[event.detailType]);
        expect(result.ok).toBe(true);
        if (result.ok) expect(result.value.version).toBe(event.version);
      });

      const mutations = [...common, ...(specific[event.detailType] ?? [])];
      it.each(mutations)('rejects %s with its path', (_label, mutate, path) => {
        const detail = validDetails()[event.detailType]!;
        mutate(detail);
        const result = event.parse(detail);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.name).toBe('ContractViolation');
        expect(result.error.issues.map((i) => i.path)).toContain(path);
        expect(result.error.message).toContain(event.detailType);
        for (const issue of result.error.issues) expect(issue.message).not.toBe('Invalid input');
      });
    });
  }

  it('rejects things that are not objects at all', () => {
    for (const bad of [null, 'x', 42, []]) {
      const result = OrderCreatedV1.parse(bad);
      expect(result.ok).toBe(false);
    }
  });
});

describe('event ids', () => {
  it('are UUIDv7, unique and strictly increasing within a process', () => {
    const ids = Array.from({ length: 5000 }, () => newEventId());
    for (const id of ids) expect(id).toMatch(EVENT_ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('sort by their timestamp across milliseconds', () => {
    const early = newEventId(Date.UTC(2026, 0, 1));
    const late = newEventId(Date.UTC(2027, 0, 1));
    expect(early < late).toBe(true);
  });

  it('derived from a cause: UUIDv7 with the cause\'s time, the same for the same cause and name, different otherwise', () => {
    const causes = Array.from({ length: 2000 }, () => newEventId());
    const derived = causes.map((c) => derivedEventId(c, 'risk.assessed.v1'));
    for (const id of derived) expect(id).toMatch(EVENT_ID_PATTERN);
    expect(new Set(derived).size).toBe(derived.length);
    expect(causes.map((c) => derivedEventId(c, 'risk.assessed.v1'))).toEqual(derived);
    expect(derivedEventId(causes[0]!, 'other.event.v1')).not.toBe(derived[0]);
    causes.forEach((c, i) => expect(derived[i]!.slice(0, 13)).toBe(c.slice(0, 13)));
    expect(() => derivedEventId('not-an-id', 'risk.assessed.v1')).toThrow(/UUIDv7/);
  });
});
