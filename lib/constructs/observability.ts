import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/contracts/conventions.js';

/**
 * App-wide observability settings, read from CDK context so that every function, the dashboards and
 * the alarms of one app agree without threading a prop through every stack:
 * `cdk deploy -c courier:metricsNamespace=shop -c courier:tracing=PassThrough`, or `context` in cdk.json.
 */
export const OBSERVABILITY_CONTEXT = {
  /** CloudWatch namespace of every EMF metric (set on functions as `POWERTOOLS_METRICS_NAMESPACE`). */
  metricsNamespace: 'courier:metricsNamespace',
  /** Lambda tracing mode of courier's functions: `Active`, `PassThrough` or `Disabled`. */
  tracing: 'courier:tracing',
} as const;

const TRACING_MODES: Record<string, lambda.Tracing> = {
  Active: lambda.Tracing.ACTIVE,
  PassThrough: lambda.Tracing.PASS_THROUGH,
  Disabled: lambda.Tracing.DISABLED,
};

/**
 * The metrics namespace of the app `scope` belongs to: context `courier:metricsNamespace`, else `courier`.
 * A value CloudWatch would refuse fails synthesis.
 * @example
 * new cloudwatch.Metric({ namespace: metricsNamespaceOf(this), metricName: METRICS.processed });
 */
export function metricsNamespaceOf(scope: Construct): string {
  const value: unknown = scope.node.tryGetContext(OBSERVABILITY_CONTEXT.metricsNamespace) ?? METRICS_NAMESPACE;
  if (typeof value !== 'string' || value.length === 0 || value.length > 255 || value.startsWith(':') || value.startsWith('AWS/')) {
    throw new Error(`context ${OBSERVABILITY_CONTEXT.metricsNamespace} must be a CloudWatch namespace (1–255 characters, not starting with ":" or "AWS/"), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * A count the runtime writes as EMF for one service (dimension `service`) in the app's metrics
 * namespace, summed over 5 minutes unless `options` says otherwise: what the parked-row alarms watch.
 * @example
 * serviceCountMetric(this, METRICS.parked, 'shipping').createAlarm(this, 'Parked', { threshold: 0, evaluationPeriods: 1 });
 */
export function serviceCountMetric(scope: Construct, metricName: string, serviceName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: metricsNamespaceOf(scope),
    metricName,
    dimensionsMap: { service: serviceName },
    period: Duration.minutes(5),
    statistic: 'Sum',
    ...options,
  });
}

/**
 * The tracing mode of a courier function: the prop, else context `courier:tracing`, else Active.
 * @example
 * new lambda.Function(this, 'Fn', { …, tracing: tracingOf(this) });
 */
export function tracingOf(scope: Construct, prop?: lambda.Tracing): lambda.Tracing {
  if (prop !== undefined) return prop;
  const value: unknown = scope.node.tryGetContext(OBSERVABILITY_CONTEXT.tracing);
  if (value === undefined) return lambda.Tracing.ACTIVE;
  const mode = typeof value === 'string' ? TRACING_MODES[value] : undefined;
  if (!mode) throw new Error(`context ${OBSERVABILITY_CONTEXT.tracing} must be one of ${Object.keys(TRACING_MODES).join(', ')}, got ${JSON.stringify(value)}`);
  return mode;
}
