import { DescribeAlarmsCommand, GetMetricDataCommand, ListMetricsCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { Context } from '../context.js';
import type { ConsumerInfo } from '../discovery.js';
import { queueDepth, type QueueDepth } from '../dlq.js';
import { RUNTIME_METRICS } from '../runtime-metrics.js';
import { consumerOutcomes, type Outcome } from './log-outcomes.js';

const OUTCOME_METRICS: Record<Outcome, string> = RUNTIME_METRICS.outcomes;

export interface ConsumerHealth {
  consumer: string;
  service: string;
  queue: QueueDepth;
  dlq: QueueDepth;
  targetDlq: QueueDepth;
  /** Records over the window: processed, duplicates, retries (transient failures), quarantined. */
  outcomes: Record<Outcome, number>;
  /** Alarms of this consumer in ALARM, by name. */
  alarmsInAlarm: string[];
}

export interface HealthReport {
  at: string;
  windowMinutes: number;
  /** Where the outcome counts come from: the runtime's EMF metrics in CloudWatch, or its outcome log lines where the engine keeps no metrics. */
  outcomesFrom: 'metrics' | 'logs';
  consumers: ConsumerHealth[];
  /** Every alarm of the deployment in ALARM (consumers, outboxes, failed-message stores). */
  alarmsInAlarm: { name: string; reason?: string }[];
}

/**
 * Live health of every consumer: its queue (depth, in flight, oldest message), DLQ and target-DLQ
 * depths, what the runtime did with records over the last `windowMinutes`, and alarms in ALARM. The
 * live queue is never peeked (that would delay its consumer): its oldest age comes from the queue
 * attribute where the engine reports it, else from CloudWatch.
 *
 * @example
 * const report = await consumerHealth(ctx, logs, 15);
 */
export async function consumerHealth(ctx: Context, logs: CloudWatchLogsClient, windowMinutes: number): Promise<HealthReport> {
  const deployment = await ctx.deployment();
  const now = ctx.now();
  const since = now - windowMinutes * 60_000;
  const sqs = ctx.clients.sqs;
  const outcomesFrom = (await hasRuntimeMetrics(ctx)) ? 'metrics' : 'logs';
  const [depths, outcomes, queueAges, alarms] = await Promise.all([
    Promise.all(
      deployment.consumers.map(async (c) => ({
        queue: await queueDepth(sqs, c.queueUrl, now, false),
        dlq: await queueDepth(sqs, c.dlqUrl, now),
        targetDlq: await queueDepth(sqs, c.targetDlqUrl, now),
      })),
    ),
    outcomesFrom === 'metrics' ? metricOutcomes(ctx, deployment.consumers, since, now) : Promise.all(deployment.consumers.map((c) => consumerOutcomes(logs, c, since))),
    oldestAges(ctx, deployment.consumers, now),
    alarmsInAlarm(ctx, [
      ...deployment.consumers.flatMap((c) => Object.values(c.alarms)),
      ...deployment.outboxes.flatMap((o) => Object.values(o.alarms)),
      ...deployment.failedMessages.flatMap((f) => Object.values(f.alarms)),
    ]),
  ]);
  return {
    at: new Date(now).toISOString(),
    windowMinutes,
    outcomesFrom,
    consumers: deployment.consumers.map((c, i) => {
      const queue = depths[i]!.queue;
      const age = queue.oldestAgeSeconds ?? queueAges[i];
      return {
        consumer: c.name,
        service: c.service,
        queue: age === undefined ? queue : { ...queue, oldestAgeSeconds: age },
        dlq: depths[i]!.dlq,
        targetDlq: depths[i]!.targetDlq,
        outcomes: outcomes[i]!,
        alarmsInAlarm: Object.values(c.alarms).filter((name) => alarms.some((a) => a.name === name)),
      };
    }),
    alarmsInAlarm: alarms,
  };
}

/** True when the runtime's metrics exist in CloudWatch (on AWS, from EMF log lines; the local engine keeps none). */
async function hasRuntimeMetrics(ctx: Context): Promise<boolean> {
  const answer = await ctx.clients.cloudwatch.send(new ListMetricsCommand({ Namespace: RUNTIME_METRICS.namespace, MetricName: OUTCOME_METRICS.processed }));
  return (answer?.Metrics ?? []).length > 0;
}

const OUTCOMES = Object.keys(OUTCOME_METRICS) as Outcome[];

async function metricOutcomes(ctx: Context, consumers: ConsumerInfo[], since: number, now: number): Promise<Record<Outcome, number>[]> {
  const queries: MetricDataQuery[] = consumers.flatMap((c, i) =>
    OUTCOMES.map((outcome, j) => ({
      Id: `c${i}o${j}`,
      MetricStat: {
        Metric: { Namespace: RUNTIME_METRICS.namespace, MetricName: OUTCOME_METRICS[outcome], Dimensions: [{ Name: RUNTIME_METRICS.dimension, Value: c.name }] },
        Period: Math.max(60, Math.ceil((now - since) / 60_000) * 60),
        Stat: 'Sum',
      },
    })),
  );
  const sums = await metricSums(ctx, queries, since, now);
  return consumers.map((_, i) => Object.fromEntries(OUTCOMES.map((outcome, j) => [outcome, sums.get(`c${i}o${j}`) ?? 0])) as Record<Outcome, number>);
}

/** Oldest message age per consumer queue from the AWS/SQS metric (the SQS API has no such attribute on AWS). */
async function oldestAges(ctx: Context, consumers: ConsumerInfo[], now: number): Promise<(number | undefined)[]> {
  const queries: MetricDataQuery[] = consumers.map((c, i) => ({
    Id: `q${i}`,
    MetricStat: {
      Metric: { Namespace: 'AWS/SQS', MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: c.queueUrl.slice(c.queueUrl.lastIndexOf('/') + 1) }] },
      Period: 60,
      Stat: 'Maximum',
    },
  }));
  const latest = await metricSums(ctx, queries, now - 5 * 60_000, now, 'latest');
  return consumers.map((_, i) => latest.get(`q${i}`));
}

/** GetMetricData in pages of 500 queries: the sum of each query's values, or its newest value. */
async function metricSums(ctx: Context, queries: MetricDataQuery[], since: number, now: number, pick: 'sum' | 'latest' = 'sum'): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (let i = 0; i < queries.length; i += 500) {
    let NextToken: string | undefined;
    do {
      const page = await ctx.clients.cloudwatch.send(
        new GetMetricDataCommand({ StartTime: new Date(since), EndTime: new Date(now), MetricDataQueries: queries.slice(i, i + 500), NextToken, ScanBy: 'TimestampDescending' }),
      );
      for (const r of page?.MetricDataResults ?? []) {
        const values = r.Values ?? [];
        if (values.length === 0) continue;
        const value = pick === 'sum' ? values.reduce((a, b) => a + b, 0) : values[0]!;
        result.set(r.Id!, pick === 'sum' ? (result.get(r.Id!) ?? 0) + value : (result.get(r.Id!) ?? value));
      }
      NextToken = page?.NextToken;
    } while (NextToken);
  }
  return result;
}

async function alarmsInAlarm(ctx: Context, names: string[]): Promise<{ name: string; reason?: string }[]> {
  const found: { name: string; reason?: string }[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let NextToken: string | undefined;
    do {
      // filtered here, not with StateValue: the state is what we read, whatever the engine does with filters
      const page = await ctx.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), NextToken }));
      for (const a of page?.MetricAlarms ?? []) if (a.StateValue === 'ALARM') found.push({ name: a.AlarmName!, ...(a.StateReason ? { reason: a.StateReason } : {}) });
      NextToken = page?.NextToken;
    } while (NextToken);
  }
  return found;
}
