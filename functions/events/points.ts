import * as z from 'zod/mini';
import { defineEvent, id } from 'courier/contracts';

export const POINTS_SOURCE = 'courier.points';

export const PointsAwardedV1 = defineEvent({
  source: POINTS_SOURCE,
  detailType: 'points.awarded.v1',
  description: 'Loyalty points were credited to a user for an order, exactly once.',
  payload: {
    order_id: id(),
    user_id: id(),
    points: z.int().check(z.gte(0), z.lte(10_000_000)),
    balance: z.int().check(z.gte(0)),
  },
});
