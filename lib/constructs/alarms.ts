import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notify } from './alarm-topic.js';

/** `<stack>-<owner>-<what>`: readable in the console, in SNS mails and in `courier dlq list`. */
export function alarmName(scope: Construct, owner: string, what: string): string {
  return `${Stack.of(scope).stackName}-${owner}-${what}`;
}

/** Any message visible in a dead-letter queue is an incident: alarm on depth > 0. */
export function dlqDepthAlarm(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  topic: sns.ITopic,
  name: string,
  description: string,
): cloudwatch.Alarm {
  return notify(
    queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
      .createAlarm(scope, id, {
        alarmName: name,
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    topic,
  );
}

/** Errors and throttles of a function, each its own alarm. */
export function functionAlarms(
  scope: Construct,
  fn: lambda.IFunction,
  topic: sns.ITopic,
  owner: string,
  label: string,
): { errors: cloudwatch.Alarm; throttles: cloudwatch.Alarm } {
  const period = Duration.minutes(5);
  const make = (id: string, metric: cloudwatch.Metric, what: string, description: string) =>
    notify(
      new cloudwatch.Alarm(scope, id, {
        metric,
        alarmName: alarmName(scope, owner, what),
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      topic,
    );
  return {
    errors: make(
      `${label}ErrorsAlarm`,
      fn.metricErrors({ period, statistic: 'Sum' }),
      `${label.toLowerCase()}-errors`,
      `${owner} ${label.toLowerCase()}: an invocation failed as a whole (crash, timeout or init error; single-record failures are not counted here).`,
    ),
    throttles: make(
      `${label}ThrottlesAlarm`,
      fn.metricThrottles({ period, statistic: 'Sum' }),
      `${label.toLowerCase()}-throttles`,
      `${owner} ${label.toLowerCase()}: invocations were throttled (account or reserved concurrency exhausted).`,
    ),
  };
}
