import * as z from 'zod/mini';
import { defineEvent, id } from 'courier/contracts';

export const RISK_SOURCE = 'courier.risk';

export const RiskAssessedV1 = defineEvent({
  source: RISK_SOURCE,
  detailType: 'risk.assessed.v1',
  description: 'An order was scored for fraud risk.',
  payload: {
    order_id: id(),
    score: z.int().check(z.gte(0), z.lte(100)),
    decision: z.enum(['approve', 'review', 'reject']),
  },
});
