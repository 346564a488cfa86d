import * as z from 'zod/mini';
import { currency, defineEvent, id, minorUnits, text } from 'courier/contracts';
import { lines } from './fields';

export const ORDERS_SOURCE = 'courier.orders';

export const OrderCreatedV1 = defineEvent({
  source: ORDERS_SOURCE,
  detailType: 'order.created.v1',
  description: 'An order was accepted and stored; stock, risk and points react to it.',
  payload: {
    order_id: id(),
    user_id: id(),
    lines: lines(),
    total_minor: minorUnits(),
    currency: currency(),
  },
});

export const OrderCancelledV1 = defineEvent({
  source: ORDERS_SOURCE,
  detailType: 'order.cancelled.v1',
  description: 'An order was cancelled; reserved stock is released and awarded points revoked.',
  payload: {
    order_id: id(),
    user_id: id(),
    reason: z.optional(text(500)),
  },
});
