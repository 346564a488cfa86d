// @ts-nocheck -- run from a scratch directory with its own node_modules (see run.sh), not type-checked with the repo
import { SQSClient, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DynamoDBClient, DescribeTableCommand, DescribeTimeToLiveCommand, DescribeContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient, ListEventSourceMappingsCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { EventBridgeClient, DescribeRuleCommand, ListTargetsByRuleCommand, ListArchivesCommand, DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { SNSClient, ListSubscriptionsByTopicCommand, ListTopicsCommand } from '@aws-sdk/client-sns';
import { ApiGatewayV2Client, GetApisCommand, GetRoutesCommand, GetStagesCommand } from '@aws-sdk/client-apigatewayv2';

const sqs = new SQSClient({}), ddb = new DynamoDBClient({}), lam = new LambdaClient({}), eb = new EventBridgeClient({}), cw = new CloudWatchClient({}), sns = new SNSClient({}), apigw = new ApiGatewayV2Client({});
const out: Record<string, unknown> = {};
const strip = (o: any) => { const { $metadata, ...r } = o; return r; };
for (const q of ['probe-queue', 'probe-dlq', 'probe-target-dlq']) {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: q }));
  out[`sqs:${q}`] = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes;
}
out['ddb:ttl'] = strip(await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'probe-table' })));
out['ddb:pitr'] = strip(await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'probe-table' })));
const t = (await ddb.send(new DescribeTableCommand({ TableName: 'probe-table' }))).Table!;
out['ddb:table'] = { BillingModeSummary: t.BillingModeSummary, StreamSpecification: t.StreamSpecification, LatestStreamArn: t.LatestStreamArn, GSIs: t.GlobalSecondaryIndexes?.map((g) => ({ n: g.IndexName, ks: g.KeySchema, p: g.Projection, s: g.IndexStatus })), AttributeDefinitions: t.AttributeDefinitions };
out['lambda:esm'] = (await lam.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings;
for (const f of ['probe-sqs', 'probe-stream', 'probe-http']) {
  const c = await lam.send(new GetFunctionConfigurationCommand({ FunctionName: f }));
  out[`lambda:${f}`] = { Runtime: c.Runtime, Architectures: c.Architectures, Handler: c.Handler, Timeout: c.Timeout, MemorySize: c.MemorySize, Env: c.Environment?.Variables, State: c.State, CodeSize: c.CodeSize };
}
out['eb:bus'] = strip(await eb.send(new DescribeEventBusCommand({ Name: 'probe-bus' })));
out['eb:rule'] = strip(await eb.send(new DescribeRuleCommand({ Name: 'probe-rule', EventBusName: 'probe-bus' })));
out['eb:targets'] = (await eb.send(new ListTargetsByRuleCommand({ Rule: 'probe-rule', EventBusName: 'probe-bus' }))).Targets;
out['eb:schedule'] = strip(await eb.send(new DescribeRuleCommand({ Name: 'probe-schedule' })));
out['eb:scheduleTargets'] = (await eb.send(new ListTargetsByRuleCommand({ Rule: 'probe-schedule' }))).Targets;
out['eb:archives'] = (await eb.send(new ListArchivesCommand({}))).Archives;
out['cw:alarms'] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['probe-dlq-depth'] }))).MetricAlarms?.map((a) => ({ AlarmActions: a.AlarmActions, Metric: a.MetricName, Ns: a.Namespace, Dims: a.Dimensions, Threshold: a.Threshold, Cmp: a.ComparisonOperator, State: a.StateValue, TMD: a.TreatMissingData }));
const topics = (await sns.send(new ListTopicsCommand({}))).Topics;
out['sns:topics'] = topics;
out['sns:subs'] = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topics!.find((x) => x.TopicArn!.endsWith('probe-alarms'))!.TopicArn! }))).Subscriptions;
const apis = (await apigw.send(new GetApisCommand({}))).Items!;
out['apigw:apis'] = apis.map((a) => ({ id: a.ApiId, ep: a.ApiEndpoint, proto: a.ProtocolType }));
out['apigw:routes'] = (await apigw.send(new GetRoutesCommand({ ApiId: apis[0]!.ApiId! }))).Items?.map((r) => r.RouteKey);
out['apigw:stages'] = (await apigw.send(new GetStagesCommand({ ApiId: apis[0]!.ApiId! }))).Items?.map((s) => ({ n: s.StageName, auto: s.AutoDeploy }));
console.log(JSON.stringify(out, null, 1));
