import { describe, expect, it } from 'vitest';
import { ContractViolation } from '../../../functions/contracts/define';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { decode } from '../../../functions/runtime/consume/decode';
import { validDetails } from '../../fixtures/details';
import { eventBridgeBody } from './helpers';

const accepted = new Map([[OrderCreatedV1.detailType, OrderCreatedV1]]);

describe('decode', () => {
  it('returns the typed event for a valid body', () => {
    const detail = validDetails()['order.created.v1']!;
    const result = decode(eventBridgeBody('order.created.v1', detail), accepted);
    expect(result).toMatchObject({ ok: true, event: { detailType: 'order.created.v1', source: 'courier.orders', detail, account: '123456789012', region: 'eu-west-1' }, definition: OrderCreatedV1 });
  });

  it.each([
    ['not JSON', '{"detail-type":', 'MalformedJson'],
    ['JSON but no envelope', JSON.stringify({ hello: 'world' }), 'NotAnEventBridgeEvent'],
    ['detail not an object', JSON.stringify({ id: '1', 'detail-type': 'order.created.v1', source: 'courier.orders', time: 't', detail: 'x' }), 'NotAnEventBridgeEvent'],
    ['unknown detail-type', eventBridgeBody('order.shipped.v1', {}), 'UnknownDetailType'],
    ['unknown version', eventBridgeBody('order.created.v9', {}), 'UnknownDetailType'],
    ['an event of an entity not consumed here', eventBridgeBody('risk.assessed.v1'), 'UnexpectedDetailType'],
    ['a malformed detail-type', eventBridgeBody('Order.Created.V1', {}), 'UnknownDetailType'],
  ])('rejects %s with its own error class', (_, body, errorClass) => {
    const result = decode(body, accepted);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.name).toBe(errorClass);
  });

  it('reports every offending path of a schema violation, and what it could read', () => {
    const detail: Record<string, unknown> = { ...validDetails()['order.created.v1']!, total_minor: 12.5, extra: 1 };
    const result = decode(eventBridgeBody('order.created.v1', detail), accepted);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ContractViolation);
    expect((result.error as ContractViolation).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['total_minor', '']));
    expect(result.known).toEqual({ detailType: 'order.created.v1', eventId: detail.event_id, correlationId: 'req-7f3a' });
  });

  it('rejects a known detail-type from the wrong source as a contract violation on `source`', () => {
    const result = decode(eventBridgeBody('order.created.v1', undefined, 'courier.evil'), accepted);
    expect(result.ok).toBe(false);
    if (!result.ok) expect((result.error as ContractViolation).issues[0]?.path).toBe('source');
  });
});
