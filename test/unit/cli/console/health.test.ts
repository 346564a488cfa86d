import { DescribeAlarmsCommand, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { consumerHealth } from '../../../../bin/cli/console/health';
import { deployment, mocks, NOW, resetMocks, testContext } from '../fixture';

const logsMock = mockClient(CloudWatchLogsClient);
const logs = new CloudWatchLogsClient({ region: 'us-east-1' });
const [inv, progress] = deployment().consumers;

function queues(depths: Record<string, number>) {
  mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { ApproximateNumberOfMessages: String(depths[input.QueueUrl] ?? 0), ApproximateNumberOfMessagesNotVisible: '1', ...(input.QueueUrl.endsWith('Dlq') ? { ApproximateAgeOfOldestMessage: '90' } : {}) },
  }));
}

describe('consumer health', () => {
  beforeEach(() => {
    resetMocks();
    logsMock.reset();
  });

  it("counts outcomes from the runtime's log lines where the engine keeps no metrics, with depths and alarms", async () => {
    queues({ [inv!.queueUrl]: 3, [inv!.dlqUrl]: 2 });
    mocks.cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [] });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Values: [240] }] });
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: inv!.alarms.dlqDepth, StateValue: 'ALARM', StateReason: 'depth > 0' },
        { AlarmName: inv!.alarms.errors, StateValue: 'OK' },
      ],
    });
    logsMock.on(FilterLogEventsCommand).callsFake((input: { logGroupName: string }) => ({
      events:
        input.logGroupName === inv!.logGroupName
          ? ['processed', 'processed', 'duplicate', 'retry', 'quarantined'].map((o, i) => ({ timestamp: NOW - i, message: `{"level":"INFO","outcome":"${o}"}` }))
          : [],
    }));
    const { ctx } = testContext();
    const r = await consumerHealth(ctx, logs, 15);
    expect(r).toMatchObject({ outcomesFrom: 'logs', windowMinutes: 15, alarmsInAlarm: [{ name: inv!.alarms.dlqDepth, reason: 'depth > 0' }] });
    expect(r.consumers[0]).toMatchObject({
      consumer: 'inventory-orders',
      queue: { depth: 3, inFlight: 1, oldestAgeSeconds: 240 },
      dlq: { depth: 2, oldestAgeSeconds: 90 },
      targetDlq: { depth: 0 },
      outcomes: { processed: 2, duplicate: 1, retry: 1, quarantined: 1 },
      alarmsInAlarm: [inv!.alarms.dlqDepth],
    });
    expect(r.consumers[1]).toMatchObject({ consumer: 'orders-progress', outcomes: { processed: 0, duplicate: 0, retry: 0, quarantined: 0 }, alarmsInAlarm: [] });
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]!.args[0].input).toMatchObject({ startTime: NOW - 15 * 60_000, filterPattern: '"outcome"' });
    // the live queue is never peeked: that would hide messages from its consumer
    expect(mocks.sqs.send.callCount).toBe(6);
  });

  it("uses the runtime's EMF metrics (namespace courier, dimension consumer) where CloudWatch has them", async () => {
    queues({});
    mocks.cloudwatch.on(ListMetricsCommand).resolves({ Metrics: [{ Namespace: 'courier', MetricName: 'processed' }] });
    mocks.cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: { Value: string }[] } } }[] }) => ({
      MetricDataResults: input.MetricDataQueries.filter((q) => q.MetricStat.Metric.Dimensions[0]!.Value === 'orders-progress').map((q) => ({
        Id: q.Id,
        Values: [{ processed: 40, duplicates: 3, transient_failures: 2, quarantined: 1 }[q.MetricStat.Metric.MetricName] ?? 0],
      })),
    }));
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    const { ctx } = testContext();
    const r = await consumerHealth(ctx, logs, 60);
    expect(r.outcomesFrom).toBe('metrics');
    expect(r.consumers.find((c) => c.consumer === progress!.name)!.outcomes).toEqual({ processed: 40, duplicate: 3, retry: 2, quarantined: 1 });
    expect(logsMock.commandCalls(FilterLogEventsCommand)).toHaveLength(0);
    const outcomeQuery = mocks.cloudwatch.commandCalls(GetMetricDataCommand).flatMap((c) => c.args[0].input.MetricDataQueries!).find((q) => q.MetricStat!.Metric!.MetricName === 'transient_failures')!;
    expect(outcomeQuery.MetricStat).toMatchObject({ Metric: { Namespace: 'courier', Dimensions: [{ Name: 'consumer', Value: 'inventory-orders' }] }, Period: 3600, Stat: 'Sum' });
  });
});
