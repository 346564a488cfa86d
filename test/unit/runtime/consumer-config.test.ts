import * as z from 'zod/mini';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foreignEvent } from '../../../functions/contracts/foreign';
import { OrderCancelledV1, OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { DLQ_URL } from './helpers';

const ObjectCreated = foreignEvent({ source: 'aws.s3', detailType: 'Object Created', detail: z.looseObject({ object: z.looseObject({ key: z.string() }) }) });
const saved = { ...process.env };

beforeEach(() => Object.assign(process.env, { CONSUMER_NAME: 'config-test', DLQ_URL, IDEMPOTENCY_TABLE: 'idempotency' }));
afterEach(() => {
  process.env = { ...saved };
});

/** Mistakes in a consumer's declaration fail its cold start, naming the problem (issue 11). */
describe('consumer: a misdeclared consumer fails at construction', () => {
  const handle = async () => {};

  it('refuses a consumer given no events', () => {
    expect(() => consumer({ events: [] as const, handle })).toThrow('consumer config-test: events must declare at least one event');
  });

  it('refuses an event declared twice', () => {
    expect(() => consumer({ events: [OrderCreatedV1, OrderCancelledV1, OrderCreatedV1] as const, handle })).toThrow('event order.created.v1 is declared twice');
  });

  it('refuses a foreign event without a key function, unless the consumer gives one or turns idempotency off', () => {
    expect(() => consumer({ events: [ObjectCreated] as const, handle })).toThrow(/foreign event Object Created has no idempotency key: give it `key` in foreignEvent\(\) or pass `idempotency.key`/);
    expect(() => consumer({ events: [ObjectCreated] as const, idempotency: { key: (e) => e.detail.object.key }, handle })).not.toThrow();
    expect(() => consumer({ events: [ObjectCreated] as const, idempotency: false, handle })).not.toThrow();
  });

  it('refuses a handler map that misses a declared detail-type or names an undeclared one', () => {
    expect(() => consumer({ events: [OrderCreatedV1, OrderCancelledV1] as const, handle: { 'order.created.v1': handle } as never })).toThrow('no handler for order.cancelled.v1');
    expect(() =>
      consumer({ events: [OrderCreatedV1] as const, handle: { 'order.created.v1': handle, 'order.shipped.v1': handle } as never }),
    ).toThrow('handler for undeclared order.shipped.v1');
  });

  it('refuses a consumer without its name, DLQ or idempotency table, naming the variable', () => {
    delete process.env.IDEMPOTENCY_TABLE;
    expect(() => consumer({ events: [OrderCreatedV1] as const, handle })).toThrow(/idempotency table missing: set IDEMPOTENCY_TABLE/);
    delete process.env.DLQ_URL;
    expect(() => consumer({ events: [OrderCreatedV1] as const, handle })).toThrow(/DLQ_URL/);
    delete process.env.CONSUMER_NAME;
    expect(() => consumer({ events: [OrderCreatedV1] as const, handle })).toThrow(/CONSUMER_NAME/);
  });

  it('refuses nonsense limits', () => {
    expect(() => consumer({ events: [OrderCreatedV1] as const, perRecordTimeoutMs: 0, handle })).toThrow('perRecordTimeoutMs must be a number ≥ 1, got 0');
  });
});
