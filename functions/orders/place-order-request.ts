import * as z from 'zod/mini';
import { currency, id, MAX_MINOR_UNITS } from 'courier/contracts';
import { OrderCreatedV1 } from '../events/orders';
import { sku } from '../events/fields';

const Line = z.strictObject({
  sku: sku(),
  qty: z.int().check(z.gte(1), z.lte(10_000)),
  unit_price_minor: z.int().check(z.gte(0), z.lte(100_000_000)),
});

/** The order's total as `order.created.v1` announces it. */
export const orderTotal = (request: { lines: readonly z.infer<typeof Line>[] }): number =>
  request.lines.reduce((sum, line) => sum + line.qty * line.unit_price_minor, 0);

/** `total_minor` of the event the order becomes: a request it would reject is refused here, as a 400. */
const EventTotal = OrderCreatedV1.payload.shape.total_minor;

/**
 * Body of `POST /orders`: prices come from the client's catalogue view, in integer minor units. Every
 * line may be within its bounds and the total still above what the event contract carries
 * (10,000 × 1e8 per line); that is refused as a 400 on `lines`, never a failed write.
 */
export const PlaceOrderRequest = z
  .strictObject({
    user_id: id(),
    currency: currency(),
    lines: z.array(Line).check(z.minLength(1), z.maxLength(100)),
  })
  .check(
    z.superRefine((request, ctx) => {
      // Lines with their own errors (a negative qty…) make the total meaningless: those errors say it all.
      if (ctx.issues.some((issue) => issue.path?.[0] === 'lines')) return;
      const total = orderTotal(request);
      if (EventTotal.safeParse(total).success) return;
      ctx.addIssue({ code: 'custom', path: ['lines'], input: request, message: `the order total (sum of qty × unit_price_minor) is ${total}; at most ${MAX_MINOR_UNITS} minor units` });
    }),
  );

export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;
