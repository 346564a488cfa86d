// @ts-nocheck -- run from a scratch directory with its own node_modules (see run.sh), not type-checked with the repo
import { App, Tags, Aws, CfnCondition, CfnResource, Fn, Stack, Duration, RemovalPolicy, CfnOutput, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ddb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

class ProbeStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const bus = new events.EventBus(this, 'Bus', { eventBusName: 'probe-bus' });
    const archive = bus.archive('Archive', { archiveName: 'probe-archive', eventPattern: { account: [this.account] }, retention: Duration.days(1) });
    if (process.env.PROBE_ARCHIVE_CONDITION !== '0') {
      // MiniStack rejects AWS::Events::Archive at changeset time unless the resource's Condition is false.
      const notLocal = new CfnCondition(this, 'NotLocalEngine', { expression: Fn.conditionNot(Fn.conditionEquals(this.account, '000000000000')) });
      (archive.node.defaultChild as CfnResource).cfnOptions.condition = notLocal;
    }

    const dlq = new sqs.Queue(this, 'Dlq', { queueName: 'probe-dlq', retentionPeriod: Duration.days(14), encryption: sqs.QueueEncryption.SQS_MANAGED });
    const queue = new sqs.Queue(this, 'Queue', {
      queueName: 'probe-queue',
      visibilityTimeout: Duration.seconds(10),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    const targetDlq = new sqs.Queue(this, 'TargetDlq', { queueName: 'probe-target-dlq', encryption: sqs.QueueEncryption.SQS_MANAGED });
    const streamDlq = new sqs.Queue(this, 'StreamDlq', { queueName: 'probe-stream-dlq', encryption: sqs.QueueEncryption.SQS_MANAGED });

    const rule = new events.Rule(this, 'Rule', {
      ruleName: 'probe-rule',
      eventBus: bus,
      eventPattern: { detailType: ['probe.ping.v1', 'probe.fail.v1'] },
    });
    (rule.node.defaultChild as events.CfnRule).addPropertyOverride('EventPattern.replay-name', [{ exists: false }]);
    rule.addTarget(new targets.SqsQueue(queue, { deadLetterQueue: targetDlq, retryAttempts: 4, maxEventAge: Duration.hours(2) }));

    const table = new ddb.Table(this, 'Table', {
      tableName: 'probe-table',
      partitionKey: { name: 'pk', type: ddb.AttributeType.STRING },
      sortKey: { name: 'sk', type: ddb.AttributeType.STRING },
      billingMode: ddb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: ddb.StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (process.env.PROBE_TABLE_TAG) Tags.of(table).add('probe', process.env.PROBE_TABLE_TAG);
    if (process.env.PROBE_QUEUE_VIS) (queue.node.defaultChild as sqs.CfnQueue).visibilityTimeout = Number(process.env.PROBE_QUEUE_VIS);
    table.addGlobalSecondaryIndex({ indexName: 'sparse', partitionKey: { name: 'gsiPk', type: ddb.AttributeType.STRING }, sortKey: { name: 'sk', type: ddb.AttributeType.STRING } });
    const obs = new ddb.Table(this, 'Obs', {
      tableName: 'probe-obs',
      partitionKey: { name: 'pk', type: ddb.AttributeType.STRING },
      sortKey: { name: 'sk', type: ddb.AttributeType.STRING },
      billingMode: ddb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const fn = (id: string, handler: string, timeout = 7) => {
      const f = new NodejsFunction(this, id, {
        functionName: `probe-${id.toLowerCase()}`,
        entry: join(here, 'handlers.ts'),
        handler,
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        timeout: Duration.seconds(timeout),
        memorySize: 256,
        depsLockFilePath: join(here, 'package-lock.json'),
        environment: { OBS_TABLE: obs.tableName, PROBE_VAR: process.env.PROBE_VAR_VALUE ?? 'v1' },
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: false,
          mainFields: ['module', 'main'],
          banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
          forceDockerBundling: false,
          externalModules: [],
        },
      });
      obs.grantWriteData(f);
      return f;
    };
    const sqsFn = fn('Sqs', 'sqsHandler');
    sqsFn.addEventSource(new sources.SqsEventSource(queue, { batchSize: 5, maxBatchingWindow: Duration.seconds(1), maxConcurrency: 2, reportBatchItemFailures: true }));
    const streamFn = fn('Stream', 'streamHandler');
    streamFn.addEventSource(new sources.DynamoEventSource(table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 10,
      bisectBatchOnError: true,
      maxRecordAge: Duration.seconds(60),
      retryAttempts: 2,
      onFailure: new sources.SqsDlq(streamDlq),
      reportBatchItemFailures: true,
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
    }));
    const schedFn = fn('Sched', 'scheduleHandler');
    new events.Rule(this, 'Schedule', { ruleName: 'probe-schedule', schedule: events.Schedule.rate(Duration.minutes(1)), targets: [new targets.LambdaFunction(schedFn)] });
    const httpFn = fn('Http', 'httpHandler');
    const sleepFn = fn('Sleep', 'sleepHandler', 5);

    const api = new HttpApi(this, 'Api', { apiName: 'probe-api' });
    api.addRoutes({ path: '/items/{id}', methods: [HttpMethod.GET], integration: new HttpLambdaIntegration('HttpInt', httpFn) });

    const topic = new sns.Topic(this, 'Topic', { topicName: 'probe-alarms' });
    const alarmSink = new sqs.Queue(this, 'AlarmSink', { queueName: 'probe-alarm-sink' });
    topic.addSubscription(new subs.SqsSubscription(alarmSink, { rawMessageDelivery: true }));
    const alarm = new cw.Alarm(this, 'DlqAlarm', {
      alarmName: 'probe-dlq-depth',
      metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'QueueUrl', { value: queue.queueUrl });
    new CfnOutput(this, 'DlqUrl', { value: dlq.queueUrl });
    new CfnOutput(this, 'SleepFn', { value: sleepFn.functionName });
  }
}

const app = new App();
new ProbeStack(app, 'MsProbe', { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
