import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Context } from './context.js';
import type { DlqMessage } from './dlq-messages.js';
import type { ConsumerInfo } from './discovery.js';
import { formatAge, iso } from './format.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';

/**
 * The runtime's per-record failure metrics. The consumer never throws for a record, so the function's
 * Errors metric does not see these: they are what says "still failing".
 */
const FAILURE_METRICS = [RUNTIME_METRICS.outcomes.quarantined, RUNTIME_METRICS.outcomes.retry] as const;

/** Failures newer than this many minutes block a redrive unless the function changed after them. @default 10 */
export const DEFAULT_QUIET_MINUTES = 10;

/** One of the consumer's alarms as CloudWatch reports it (`ALARM`, `OK`, `INSUFFICIENT_DATA`), with its reason. */
export interface AlarmState {
  name: string;
  state: string;
  reason?: string;
}

/** Whether redriving now would send the messages straight back, and the evidence. */
export interface RedriveGuard {
  /** True: the consumer is still failing; a redrive is refused without --force. */
  failing: boolean;
  /** One line: why it is failing, or why it is considered fixed. */
  verdict: string;
  quietMinutes: number;
  /** The consumer's function-errors alarm (whole invocations failing: crash, timeout, init error). */
  alarm?: AlarmState;
  /** The newest failure the runtime reported (metrics) or the DLQ received (sampled messages). */
  lastFailureAt?: string;
  lastFailureSource?: 'runtime-metrics' | 'dlq-inflow';
  /** Failures the runtime reported in the window, by metric (absent: the engine has no such metrics). */
  recentFailures?: Partial<Record<(typeof FAILURE_METRICS)[number], number>>;
  /** The consumer function's LastModified: failures before it predate the latest deploy or configuration change. */
  functionUpdatedAt?: string;
  /** Evidence that could not be read (the guard then relies on the rest). */
  notes: string[];
}

/**
 * Decides whether a consumer still fails, from what the runtime does report rather than from the
 * function's Errors alarm alone (which never sees record failures):
 * - the runtime's `quarantined` / `transient_failures` metrics over the last `quietMinutes`;
 * - the DLQ's recent inflow: `courier.first_failed_at` (the quarantine time) or SentTimestamp of a
 *   sample of its messages;
 * - the function-errors alarm in ALARM (whole invocations failing).
 * A failure older than the function's LastModified predates the fix (a deploy or a configuration
 * change), so it does not block.
 *
 * @example
 * const guard = await redriveGuard(ctx, consumer, await peekDlq(sqs, consumer.dlqUrl, 100));
 * if (guard.failing && !force) throw new Error(guard.verdict);
 */
export async function redriveGuard(ctx: Context, consumer: ConsumerInfo, sample: DlqMessage[], quietMinutes = DEFAULT_QUIET_MINUTES): Promise<RedriveGuard> {
  const now = ctx.now();
  const since = now - quietMinutes * 60_000;
  const notes: string[] = [];
  const [alarm, metrics, updatedAt] = await Promise.all([
    errorsAlarm(ctx, consumer).catch((error: Error) => void notes.push(`errors alarm not read: ${error.name}: ${error.message}`)),
    failureMetrics(ctx, consumer, since, now).catch((error: Error) => void notes.push(`runtime metrics not read: ${error.name}: ${error.message}`)),
    functionUpdatedAt(ctx, consumer).catch((error: Error) => void notes.push(`function configuration not read: ${error.name}: ${error.message}`)),
  ]);
  const inflow = newest(sample.map((m) => Date.parse(m.firstFailedAt ?? m.sentAt ?? '')));
  const candidates = [
    { at: metrics?.lastAt, source: 'runtime-metrics' as const },
    { at: inflow, source: 'dlq-inflow' as const },
  ].filter((c): c is { at: number; source: 'runtime-metrics' | 'dlq-inflow' } => c.at !== undefined);
  const last = candidates.sort((a, b) => b.at - a.at)[0];
  const base = {
    quietMinutes,
    ...(alarm ? { alarm } : {}),
    ...(last ? { lastFailureAt: iso(last.at), lastFailureSource: last.source } : {}),
    ...(metrics ? { recentFailures: metrics.totals } : {}),
    ...(updatedAt !== undefined ? { functionUpdatedAt: iso(updatedAt) } : {}),
    notes,
  };
  if (alarm?.state === 'ALARM') {
    return { ...base, failing: true, verdict: `${consumer.name} is still failing: alarm ${alarm.name} is in ALARM${alarm.reason ? ` (${alarm.reason})` : ''}` };
  }
  const what = last && (last.source === 'runtime-metrics' ? `the runtime reported ${describeTotals(metrics?.totals)}` : 'a message reached its DLQ');
  if (last && last.at > since) {
    if (updatedAt !== undefined && updatedAt > last.at) {
      return { ...base, failing: false, verdict: `last failure ${formatAge((now - last.at) / 1000)} ago, before the function changed (${iso(updatedAt)}): treated as fixed` };
    }
    return {
      ...base,
      failing: true,
      verdict: `${consumer.name} is still failing: ${what} ${formatAge((now - last.at) / 1000)} ago (within the last ${quietMinutes} min) and the function has not changed since`,
    };
  }
  return { ...base, failing: false, verdict: last ? `no failure in the last ${quietMinutes} min` : 'no recent failure reported' };
}

const newest = (times: number[]): number | undefined => {
  const valid = times.filter(Number.isFinite);
  return valid.length ? Math.max(...valid) : undefined;
};

const describeTotals = (totals: Partial<Record<string, number>> | undefined) =>
  Object.entries(totals ?? {})
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([name, n]) => `${n} ${name.replace('_', ' ')}`)
    .join(', ');

async function errorsAlarm(ctx: Context, consumer: ConsumerInfo): Promise<AlarmState | undefined> {
  // the dlq-depth alarm is expected to be in ALARM (that is why we are here); the errors alarm says whether whole invocations still fail
  const name = consumer.alarms.errors;
  if (!name) return undefined;
  const answer = await ctx.clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  const alarm = answer?.MetricAlarms?.[0];
  return alarm ? { name, state: alarm.StateValue ?? 'UNKNOWN', ...(alarm.StateReason ? { reason: alarm.StateReason } : {}) } : undefined;
}

const PERIOD_SECONDS = 60;

/** Sums of the runtime's failure metrics since `since`, and the newest minute in which any was > 0; undefined when none exist. */
async function failureMetrics(ctx: Context, consumer: ConsumerInfo, since: number, now: number) {
  const answer = await ctx.clients.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(since),
      EndTime: new Date(now),
      MetricDataQueries: FAILURE_METRICS.map((name, i) => ({
        Id: `m${i}`,
        Label: name,
        MetricStat: {
          Metric: { Namespace: RUNTIME_METRICS.namespace, MetricName: name, Dimensions: [{ Name: RUNTIME_METRICS.dimension, Value: consumer.name }] },
          Period: PERIOD_SECONDS,
          Stat: 'Sum',
        },
      })),
    }),
  );
  const results = answer?.MetricDataResults ?? [];
  if (results.every((r) => (r.Timestamps ?? []).length === 0)) return undefined;
  const totals: Partial<Record<(typeof FAILURE_METRICS)[number], number>> = {};
  let lastAt: number | undefined;
  results.forEach((r, i) => {
    const name = FAILURE_METRICS[Number(r.Id?.slice(1) ?? i)]!;
    totals[name] = (r.Values ?? []).reduce((a, b) => a + b, 0);
    (r.Timestamps ?? []).forEach((t, j) => {
      // a datapoint is stamped with its period's start: take the period's end, so a failure just after a deploy still counts as after it
      if ((r.Values?.[j] ?? 0) > 0) lastAt = Math.max(lastAt ?? 0, Math.min(now, t.getTime() + PERIOD_SECONDS * 1000));
    });
  });
  return { totals, lastAt };
}

async function functionUpdatedAt(ctx: Context, consumer: ConsumerInfo): Promise<number | undefined> {
  const config = await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: consumer.functionName }));
  const at = Date.parse(config?.LastModified ?? '');
  return Number.isFinite(at) ? at : undefined;
}
