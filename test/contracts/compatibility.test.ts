import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { catalog } from '../../functions/events/catalog';
import { defineEvent } from '../../functions/contracts/define';
import { jsonSchemaOf } from '../../functions/contracts/json-schema';
import { currency, id, minorUnits } from '../../functions/contracts/fields';
import { lines } from '../../functions/events/fields';
import { incompatibilities } from '../../functions/contracts/compatibility';
import { CONTRACTS_DIR } from '../../scripts/contracts/render';

const published = (detailType: string) => JSON.parse(readFileSync(`${CONTRACTS_DIR}/${detailType}.schema.json`, 'utf8'));

describe('published versions never change incompatibly', () => {
  for (const event of catalog) {
    it(`${event.detailType} is compatible with its committed schema`, () => {
      expect(incompatibilities(published(event.detailType), jsonSchemaOf(event))).toEqual([]);
    });
  }
});

describe('the compatibility check', () => {
  // A modified copy of order.created.v1, as someone might edit it in place.
  const orderCreated = (payload: Record<string, any>) =>
    jsonSchemaOf(defineEvent({ source: 'courier.orders', detailType: 'order.created.v1', description: 'edited copy', payload }));
  const original = {
    order_id: id(),
    user_id: id(),
    lines: lines(),
    total_minor: minorUnits(),
    currency: currency(),
  };
  const committed = published('order.created.v1');

  it('accepts an unchanged copy and an added optional field', () => {
    expect(incompatibilities(committed, orderCreated(original))).toEqual([]);
    expect(incompatibilities(committed, orderCreated({ ...original, note: z.optional(z.string()) }))).toEqual([]);
  });

  it.each([
    ['a removed field', () => { const { currency: _c, ...rest } = original; return rest; }, /currency: field removed/],
    ['a changed type', () => ({ ...original, total_minor: z.string() }), /total_minor: type integer became string/],
    ['a new required field', () => ({ ...original, channel: z.string() }), /channel: new required field/],
    ['a tightened bound', () => ({ ...original, order_id: z.string().check(z.minLength(1), z.maxLength(16)) }), /order_id: maxLength tightened/],
  ])('fails on %s', (_label, payload, problem) => {
    const problems = incompatibilities(committed, orderCreated(payload()));
    expect(problems.join('\n')).toMatch(problem);
  });

  it('fails when an optional field becomes required', () => {
    const before = defineEvent({ source: 'courier.orders', detailType: 'order.cancelled.v1', description: '', payload: { reason: z.optional(z.string()) } });
    const after = defineEvent({ source: 'courier.orders', detailType: 'order.cancelled.v1', description: '', payload: { reason: z.string() } });
    expect(incompatibilities(jsonSchemaOf(before), jsonSchemaOf(after))).toContain('$.reason: optional field made required');
  });

  it('fails when an enum is narrowed but not when it is widened', () => {
    const risk = (decisions: [string, ...string[]]) =>
      jsonSchemaOf(defineEvent({ source: 'courier.risk', detailType: 'risk.assessed.v1', description: '', payload: { decision: z.enum(decisions) } }));
    const committedRisk = risk(['approve', 'review', 'reject']);
    expect(incompatibilities(committedRisk, risk(['approve', 'reject'])).join()).toMatch(/enum narrowed, removed \["review"\]/);
    expect(incompatibilities(committedRisk, risk(['approve', 'review', 'reject', 'escalate']))).toEqual([]);
  });

  it('fails when a union loses a variant', () => {
    const login = (ip: z.ZodMiniType) =>
      jsonSchemaOf(defineEvent({ source: 'courier.identity', detailType: 'user.login_succeeded.v1', description: '', payload: { ip } }));
    expect(incompatibilities(login(z.union([z.ipv4(), z.ipv6()])), login(z.ipv4())).join()).toMatch(/variant 1/);
  });
});
