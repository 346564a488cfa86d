/**
 * CloudWatch Embedded Metric Format: metrics written as one structured log line, no API call on the hot
 * path. Hand-written instead of Powertools Metrics: the format is small and stable, the bundle is not.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { METRICS_NAMESPACE } from '../../contracts/conventions.js';

export type Unit = 'Count' | 'Milliseconds';


export class Metrics {
  private readonly values = new Map<string, { unit: Unit; values: number[] }>();

  constructor(
    private readonly dimensions: Record<string, string>,
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly namespace = METRICS_NAMESPACE,
  ) {}

  add(name: string, unit: Unit, value = 1): void {
    const entry = this.values.get(name) ?? { unit, values: [] };
    entry.values.push(value);
    this.values.set(name, entry);
  }

  /** Writes everything recorded since the last flush as one EMF document (at most 100 metrics). */
  flush(): void {
    if (this.values.size === 0) return;
    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: [Object.keys(this.dimensions)],
            Metrics: [...this.values].map(([Name, { unit }]) => ({ Name, Unit: unit })),
          },
        ],
      },
      ...this.dimensions,
    };
    for (const [name, { unit, values }] of this.values) {
      // counts are summed into one datapoint; durations keep every sample (EMF accepts arrays)
      document[name] = unit === 'Count' ? values.reduce((a, b) => a + b, 0) : values;
    }
    this.values.clear();
    this.write(JSON.stringify(document));
  }
}
