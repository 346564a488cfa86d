/**
 * CloudWatch Embedded Metric Format: metrics written as structured log lines, no API call on the hot
 * path. Hand-written instead of Powertools Metrics (bench/RESULTS.md § Consumer bundle measures why),
 * with Powertools' conventions: namespace from `POWERTOOLS_METRICS_NAMESPACE`, documents split so
 * none breaks EMF's limits.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { ENV, METRICS_NAMESPACE } from '../../contracts/conventions.js';

/** The CloudWatch units courier's metrics use: counts and durations. */
export type Unit = 'Count' | 'Milliseconds';

/** EMF: at most 100 metric definitions per document and 100 values per metric; CloudWatch drops a document over either. */
export const EMF_LIMITS = { metricsPerDocument: 100, valuesPerMetric: 100 } as const;

/**
 * The namespace every courier function writes to: `POWERTOOLS_METRICS_NAMESPACE`, else `courier`.
 * @example
 * metricsNamespace({ POWERTOOLS_METRICS_NAMESPACE: 'shop' }); // 'shop'
 */
export function metricsNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENV.metricsNamespace] || METRICS_NAMESPACE;
}

/**
 * Metrics recorded during an invocation and written as EMF documents on `flush`.
 * @example
 * const metrics = new Metrics({ consumer: 'inventory-orders' });
 * metrics.add('processed', 'Count');
 * metrics.add('duration', 'Milliseconds', 12);
 * metrics.flush();
 */
export class Metrics {
  private readonly values = new Map<string, { unit: Unit; values: number[] }>();

  constructor(
    private readonly dimensions: Record<string, string>,
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly namespace = metricsNamespace(),
  ) {}

  add(name: string, unit: Unit, value = 1): void {
    const entry = this.values.get(name) ?? { unit, values: [] };
    entry.values.push(value);
    this.values.set(name, entry);
  }

  /**
   * Writes everything recorded since the last flush: counts summed into one datapoint, durations as
   * arrays of samples, split into as many documents as EMF's limits need (250 samples of one metric:
   * three documents of 100, 100 and 50).
   */
  flush(): void {
    if (this.values.size === 0) return;
    const timestamp = Date.now();
    const series = [...this.values].map(([name, { unit, values }]) => ({
      name,
      unit,
      chunks: unit === 'Count' ? [[values.reduce((a, b) => a + b, 0)]] : chunk(values, EMF_LIMITS.valuesPerMetric),
    }));
    this.values.clear();
    const rounds = Math.max(...series.map((s) => s.chunks.length));
    for (let round = 0; round < rounds; round++) {
      const present = series.filter((s) => round < s.chunks.length);
      for (const group of chunk(present, EMF_LIMITS.metricsPerDocument)) this.write(JSON.stringify(this.document(timestamp, group, round)));
    }
  }

  private document(timestamp: number, group: { name: string; unit: Unit; chunks: number[][] }[], round: number): Record<string, unknown> {
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [Object.keys(this.dimensions)], Metrics: group.map((s) => ({ Name: s.name, Unit: s.unit })) }],
      },
      ...this.dimensions,
    };
    for (const s of group) {
      const values = s.chunks[round]!;
      document[s.name] = s.unit === 'Count' ? values[0] : values;
    }
    return document;
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
