import { METRICS, METRICS_NAMESPACE } from '../../functions/contracts/conventions.js';

/**
 * The consumer runtime's EMF metrics as the CLI reads them back from CloudWatch: namespace `courier`,
 * dimension `consumer`, one metric per record outcome (names from functions/contracts/conventions.ts),
 * keyed by the outcome its log lines name.
 */
export const RUNTIME_METRICS = {
  namespace: METRICS_NAMESPACE,
  dimension: 'consumer',
  outcomes: { processed: METRICS.processed, duplicate: METRICS.duplicates, retry: METRICS.transientFailures, quarantined: METRICS.quarantined },
} as const;
