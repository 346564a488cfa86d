import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/event-id';
import { cacheWrite } from '../../../functions/notifications/config-cache-entry';
import { planConfigChange } from '../../../functions/notifications/config-change';
import { canonicalTime, COUNTED_FENCE_SECONDS, FENCE_INDEX, loginCountWrites } from '../../../functions/notifications/login-count';

const meta = (occurredAt: string) => ({ event_id: newEventId(), occurred_at: occurredAt, version: 1 as const, correlation_id: 'req-1' });
const signIn = (occurredAt: string) => ({ ...meta(occurredAt), user_id: 'user-42', ip: '203.0.113.7', user_agent: 'curl/8' });

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
/** The count: the first of the two writes. */
const loginCountWrite = (table: string, login: ReturnType<typeof signIn>, last: string | undefined) => loginCountWrites(table, login, last, NOW)[0]!;

describe('loginCountWrites', () => {
  it('compares instants, not spellings: ".5Z" is later than "Z" of the same second', () => {
    expect(canonicalTime('2026-11-28T10:15:31Z')).toBe('2026-11-28T10:15:31.000Z');
    const write = loginCountWrite('counter', signIn('2026-11-28T10:15:31.5Z'), canonicalTime('2026-11-28T10:15:31Z'));
    expect(write.Update!.UpdateExpression).toContain('SET last_login_at = :at');
    expect(unmarshall(write.Update!.ExpressionAttributeValues!)[':at']).toBe('2026-11-28T10:15:31.500Z');
  });

  it('moves last_login_at forward under a condition that guards the read', () => {
    const write = loginCountWrite('counter', signIn('2026-11-28T10:00:00.000Z'), undefined).Update!;
    expect(write).toMatchObject({ TableName: 'counter', Key: { pk: { S: 'USER#user-42' } }, ConditionExpression: 'attribute_not_exists(last_login_at) OR last_login_at < :at' });
    expect(write.UpdateExpression).toBe('ADD logins :one SET last_login_at = :at, user_id = :user');
  });

  it('only counts a sign-in not newer than the last one (equal included)', () => {
    for (const last of ['2026-11-28T10:00:00.000Z', '2026-11-28T11:00:00.000Z']) {
      const write = loginCountWrite('counter', signIn('2026-11-28T10:00:00.000Z'), last).Update!;
      expect(write.UpdateExpression).toBe('ADD logins :one');
      expect(write.ConditionExpression).toBeUndefined();
    }
  });

  it('fences every counted sign-in: a COUNTED#<event_id> item that must not exist yet, kept 35 days', () => {
    const login = signIn('2026-11-28T10:00:00.000Z');
    const fence = loginCountWrites('counter', login, undefined, NOW)[FENCE_INDEX]!.Put!;
    expect(fence.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(unmarshall(fence.Item!)).toEqual({ pk: `COUNTED#${login.event_id}`, user_id: 'user-42', counted_at: new Date(NOW).toISOString(), expires_at: NOW / 1000 + COUNTED_FENCE_SECONDS });
    expect(COUNTED_FENCE_SECONDS).toBeGreaterThan(30 * 24 * 3600); // longer than the bus archive keeps events
  });
});

describe('cacheWrite', () => {
  it('puts the value only over an older applied change (or none)', () => {
    const change = { ...meta('2026-11-28T10:00:00.000Z'), key: 'a.b', old_value: '1', new_value: '2', changed_by: 'ops' };
    const put = cacheWrite('cache', change).Put!;
    expect(put.ConditionExpression).toBe('attribute_not_exists(pk) OR applied_event_id < :event_id');
    expect(put.ExpressionAttributeValues).toEqual({ ':event_id': { S: change.event_id } });
    expect(unmarshall(put.Item!)).toEqual({ pk: 'CONFIG#a.b', key: 'a.b', value: '2', applied_event_id: change.event_id, applied_occurred_at: change.occurred_at });
  });

  it('relies on event ids sorting by creation time', () => {
    const earlier = newEventId(Date.UTC(2026, 0, 1));
    const later = newEventId(Date.UTC(2026, 0, 1) + 1);
    expect(earlier < later).toBe(true);
  });
});

describe('planConfigChange', () => {
  const now = new Date('2026-11-28T10:00:00.000Z');
  const current = { key: 'a.b', value: '1', version: 7 };

  it('does nothing when the value is the same', () => {
    expect(planConfigChange('config', 'a.b', current, { value: '1', changed_by: 'ops' }, now)).toEqual({ changed: false, entry: current });
  });

  it('bumps the version, conditional on the version read, and announces old and new value', () => {
    const plan = planConfigChange('config', 'a.b', current, { value: '2', changed_by: 'ops' }, now);
    if (!plan.changed) throw new Error('expected a change');
    expect(plan.entry).toEqual({ key: 'a.b', value: '2', version: 8, updated_at: now.toISOString(), updated_by: 'ops' });
    expect(plan.write.Put!.ExpressionAttributeValues).toEqual({ ':seen': { N: '7' } });
    expect(plan.event.payload).toEqual({ key: 'a.b', old_value: '1', new_value: '2', changed_by: 'ops' });
  });

  it('creates a key only if no item exists', () => {
    const plan = planConfigChange('config', 'a.b', undefined, { value: '2', changed_by: 'ops' }, now);
    if (!plan.changed) throw new Error('expected a change');
    expect(plan.write.Put!.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(plan.entry.version).toBe(1);
    expect(plan.event.payload.old_value).toBeNull();
  });
});
