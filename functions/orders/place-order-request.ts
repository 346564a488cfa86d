import * as z from 'zod/mini';
import { currency, id } from 'courier/contracts';
import { sku } from '../events/fields';

/** Body of `POST /orders`: prices come from the client's catalogue view, in integer minor units. */
export const PlaceOrderRequest = z.strictObject({
  user_id: id(),
  currency: currency(),
  lines: z
    .array(
      z.strictObject({
        sku: sku(),
        qty: z.int().check(z.gte(1), z.lte(10_000)),
        unit_price_minor: z.int().check(z.gte(0), z.lte(100_000_000)),
      }),
    )
    .check(z.minLength(1), z.maxLength(100)),
});

export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const orderTotal = (request: PlaceOrderRequest): number =>
  request.lines.reduce((sum, line) => sum + line.qty * line.unit_price_minor, 0);
