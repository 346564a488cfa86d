import * as z from 'zod/mini';
import { defineEvent, id } from 'courier/contracts';

/** The e2e fixtures' own source: nothing in the reference app publishes or consumes it. */
export const E2E_SOURCE = 'courier.e2e';

/**
 * One step of a numbered sequence, for the FIFO test: the consumer must see steps in order, and a step
 * planned to fail `fail_times` times must hold back the steps after it until it succeeds.
 */
export const SequenceSteppedV1 = defineEvent({
  source: E2E_SOURCE,
  detailType: 'sequence.stepped.v1',
  description: 'A step of an e2e test sequence (FIFO ordering and short-circuit).',
  payload: {
    run_id: id(),
    step: z.int().check(z.gte(1), z.lte(1000)),
    fail_times: z.int().check(z.gte(0), z.lte(10)),
  },
});
