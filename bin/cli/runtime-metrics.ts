import { METRICS_NAMESPACE } from '../../functions/runtime/support/metrics.js';

/**
 * The consumer runtime's EMF metrics as the CLI reads them back from CloudWatch: namespace `courier`,
 * dimension `consumer`, one metric per record outcome (names as functions/runtime/consume/consumer.ts
 * emits them; test/unit/runtime/consumer.test.ts pins them), keyed by the outcome its log lines name.
 */
export const RUNTIME_METRICS = {
  namespace: METRICS_NAMESPACE,
  dimension: 'consumer',
  outcomes: { processed: 'processed', duplicate: 'duplicates', retry: 'transient_failures', quarantined: 'quarantined' },
} as const;
