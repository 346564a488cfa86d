// @ts-nocheck -- run from a scratch directory with its own node_modules (see run.sh), not type-checked with the repo
// Data-path survey against the deployed MsProbe stack. Prints one JSON line per check.
import { SQSClient, GetQueueUrlCommand, SendMessageCommand, ReceiveMessageCommand, PurgeQueueCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, StartMessageMoveTaskCommand, DeleteMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand, GetItemCommand, ScanCommand, QueryCommand, TransactWriteItemsCommand, UpdateTimeToLiveCommand, DescribeTimeToLiveCommand, UpdateContinuousBackupsCommand, DescribeContinuousBackupsCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient, InvokeCommand, UpdateFunctionConfigurationCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { EventBridgeClient, PutEventsCommand, CreateArchiveCommand, DescribeArchiveCommand, StartReplayCommand, DescribeReplayCommand } from '@aws-sdk/client-eventbridge';
import { CloudWatchClient, SetAlarmStateCommand, DescribeAlarmsCommand, PutMetricDataCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';

const only = process.argv.slice(2);
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false } as any), ddb = new DynamoDBClient({}), lam = new LambdaClient({}), eb = new EventBridgeClient({}), cw = new CloudWatchClient({}), apigw = new ApiGatewayV2Client({});
const RUN = `r${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const report = (check: string, ok: boolean | string, data: unknown) => console.log(JSON.stringify({ check, ok, t: ((Date.now() - t0) / 1000).toFixed(1), data }));
const qurl = async (n: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: n }))).QueueUrl!;
const obs = async (kind: string) => {
  const r = await ddb.send(new QueryCommand({ TableName: 'probe-obs', KeyConditionExpression: 'pk = :k', ExpressionAttributeValues: { ':k': { S: kind } } }));
  return (r.Items ?? []).map((i) => ({ sk: i.sk!.S!, ...JSON.parse(i.data!.S!) }));
};
const until = async <T>(ms: number, fn: () => Promise<T | undefined | false>, every = 250): Promise<T | undefined> => {
  const end = Date.now() + ms;
  for (;;) { const v = await fn(); if (v) return v; if (Date.now() > end) return undefined; await sleep(every); }
};
const drain = async (url: string) => {
  const got: any[] = [];
  for (;;) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }));
    if (!r.Messages?.length) return got;
    for (const m of r.Messages) { got.push(m); await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! })); }
  }
};
const want = (name: string) => only.length === 0 || only.includes(name);

async function http() {
  const api = (await apigw.send(new GetApisCommand({}))).Items!.find((a) => a.Name === 'probe-api')!;
  const endpoint = process.env.AWS_ENDPOINT_URL!;
  const res: Record<string, unknown> = { ApiEndpoint: api.ApiEndpoint };
  for (const [label, url, headers] of [
    ['host-header', `${endpoint}/items/abc`, { host: new URL(api.ApiEndpoint!).host }],
    ['ApiEndpoint via fetch', `${api.ApiEndpoint}/items/viaDns`, {}],
    ['path-style $default', `${endpoint}/_aws/execute-api/${api.ApiId}/$default/items/x%2Fy`, {}],
    ['path-style no stage', `${endpoint}/_aws/execute-api/${api.ApiId}/items/42`, {}],
    ['unknown route', `${endpoint}/_aws/execute-api/${api.ApiId}/$default/nope`, {}],
  ] as const) {
    const s = Date.now();
    try {
      const r = await fetch(url, { headers: headers as any });
      res[label] = { status: r.status, body: await r.text(), ms: Date.now() - s };
    } catch (e: any) { res[label] = `${e.message}: ${e.cause?.code ?? e.cause?.message}`; }
  }
  report('http', true, res);
}

async function putEventsToLambda() {
  const q = await qurl('probe-queue'), dlq = await qurl('probe-dlq'), tdlq = await qurl('probe-target-dlq');
  await drain(dlq);
  const s = Date.now();
  const r = await eb.send(new PutEventsCommand({ Entries: [
    { EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.ping.v1', Detail: JSON.stringify({ run: RUN, n: 1 }) },
    { EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.fail.v1', Detail: JSON.stringify({ run: RUN, n: 2, fail: true }) },
    { EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.other.v1', Detail: JSON.stringify({ run: RUN, n: 3 }) },
  ] }));
  report('putEvents.response', r.FailedEntryCount === 0, { FailedEntryCount: r.FailedEntryCount, ids: r.Entries?.map((e) => e.EventId ?? e.ErrorCode) });
  const mine = async () => (await obs('sqs')).flatMap((o) => o.records.filter((x: any) => x.detail?.run === RUN).map((x: any) => ({ ...x, at: o.sk.slice(0, 23), batchSize: o.batchSize, remainingMs: o.remainingMs })));
  const first = await until(15000, async () => { const m = await mine(); return m.find((x) => x.detail.n === 1) ? m : undefined; });
  report('putEvents→rule→sqs→lambda', !!first, { latencyMs: Date.now() - s, records: first });
  const dead = await until(90000, async () => { const m = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] })); return m.Messages?.length ? m.Messages : undefined; }, 1000);
  const all = await mine();
  report('partialFailure→redelivery→DLQ(maxReceiveCount=3)', !!dead && all.filter((x) => x.detail.n === 2).length === 3, {
    afterMs: Date.now() - s,
    deliveries: all.map((x) => ({ n: x.detail.n, receiveCount: x.receiveCount, at: x.at })),
    dlq: dead?.map((m) => ({ body: JSON.parse(m.Body!).detail, attrs: m.Attributes })),
    otherDetailTypeDelivered: all.some((x) => x.detail.n === 3),
  });
  if (dead) for (const m of dead) await sqs.send(new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: m.ReceiptHandle! }));
  report('targetDlq contents', true, await drain(tdlq));
}

async function messageAttributes() {
  const q = await qurl('probe-target-dlq');
  await drain(q);
  const attrs = { reason: { DataType: 'String', StringValue: 'schema: bad' }, count: { DataType: 'Number', StringValue: '3' }, blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) }, custom: { DataType: 'String.courier', StringValue: 'x' } };
  await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: 'hello', MessageAttributes: attrs as any }));
  const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: q, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }))).Messages?.[0];
  const back = got?.MessageAttributes ?? {};
  const ok = back.reason?.StringValue === 'schema: bad' && back.count?.StringValue === '3' && back.count?.DataType === 'Number' && Buffer.from(back.blob?.BinaryValue ?? []).equals(Buffer.from([1, 2, 3])) && back.custom?.DataType === 'String.courier';
  report('sqs message attributes round-trip', ok, { back, md5: got?.MD5OfMessageAttributes, sys: got?.Attributes });
  if (got) await sqs.send(new DeleteMessageCommand({ QueueUrl: q, ReceiptHandle: got.ReceiptHandle! }));
  // and through the ESM to Lambda
  const pq = await qurl('probe-queue');
  await sqs.send(new SendMessageCommand({ QueueUrl: pq, MessageBody: JSON.stringify({ detail: { run: RUN, n: 'attr' } }), MessageAttributes: { reason: attrs.reason, count: attrs.count } as any }));
  const seen = await until(15000, async () => (await obs('sqs')).flatMap((o) => o.records).find((x: any) => x.detail?.run === RUN && x.detail?.n === 'attr'));
  report('sqs message attributes → Lambda record', !!seen && (seen as any).attrs?.reason?.stringValue === 'schema: bad', (seen as any)?.attrs);
}

async function ddbStream() {
  const dlq = await qurl('probe-stream-dlq');
  await drain(dlq);
  const s = Date.now();
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#a` }, sk: { S: '1' }, v: { N: '1' } } }));
  await ddb.send(new UpdateItemCommand({ TableName: 'probe-table', Key: { pk: { S: `${RUN}#a` }, sk: { S: '1' } }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: 'probe-table', Key: { pk: { S: `${RUN}#a` }, sk: { S: '1' } } }));
  const mine = async () => (await obs('stream')).flatMap((o) => o.records.filter((x: any) => (x.keys?.pk?.S ?? '').startsWith(RUN)).map((x: any) => ({ eventName: x.eventName, pk: x.keys.pk.S, viewType: x.viewType, hasOld: !!x.oldImage, at: o.sk.slice(11, 23), batchSize: o.batchSize })));
  const got = await until(15000, async () => { const m = await mine(); return m.length ? m : undefined; }, 50);
  const latencyMs = Date.now() - s;
  await sleep(3000);
  const after = await mine();
  report('ddb PutItem→stream→Lambda (filter INSERT)', !!got && after.every((x) => x.eventName === 'INSERT'), { latencyMs, records: after });
  // poison: handler throws for it; bisect/retries(2)/maxRecordAge(60)/onFailure
  const s2 = Date.now();
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#poison` }, sk: { S: '1' }, poison: { BOOL: true } } }));
  await sleep(500);
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#after` }, sk: { S: '1' } } }));
  const failed = await until(120000, async () => { const m = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10 })); return m.Messages?.length ? m.Messages : undefined; }, 1000);
  const recs = await mine();
  report('ddb stream poison → retries → onFailure', !!failed, {
    afterMs: Date.now() - s2,
    invocations: recs.filter((x) => x.pk.includes('poison') || x.pk.includes('after')),
    onFailure: failed?.map((m) => JSON.parse(m.Body!)),
  });
}

async function ttl() {
  const before = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'probe-table' }));
  await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'probe-table', TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  const after = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'probe-table' }));
  const now = Math.floor(Date.now() / 1000);
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#ttl` }, sk: { S: '1' }, expiresAt: { N: String(now - 5) } } }));
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#ttl-future` }, sk: { S: '1' }, expiresAt: { N: String(now + 3600) } } }));
  const s = Date.now();
  const gone = await until(90000, async () => !(await ddb.send(new GetItemCommand({ TableName: 'probe-table', Key: { pk: { S: `${RUN}#ttl` }, sk: { S: '1' } } }))).Item, 500);
  const future = (await ddb.send(new GetItemCommand({ TableName: 'probe-table', Key: { pk: { S: `${RUN}#ttl-future` }, sk: { S: '1' } } }))).Item;
  report('TTL via UpdateTimeToLive, expiry', !!gone && !!future, { before: before.TimeToLiveDescription, after: after.TimeToLiveDescription, expiredAfterMs: gone ? Date.now() - s : null, futureKept: !!future });
  const pb = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'probe-table' }));
  await ddb.send(new UpdateContinuousBackupsCommand({ TableName: 'probe-table', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
  const pa = await ddb.send(new DescribeContinuousBackupsCommand({ TableName: 'probe-table' }));
  report('PITR via UpdateContinuousBackups', pa.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED', { before: pb.ContinuousBackupsDescription, after: pa.ContinuousBackupsDescription });
}

async function sparseGsi() {
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#g1` }, sk: { S: '1' }, gsiPk: { S: RUN } } }));
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { pk: { S: `${RUN}#g2` }, sk: { S: '1' } } }));
  const r = await ddb.send(new ScanCommand({ TableName: 'probe-table', IndexName: 'sparse' }));
  const q = await ddb.send(new QueryCommand({ TableName: 'probe-table', IndexName: 'sparse', KeyConditionExpression: 'gsiPk = :g', ExpressionAttributeValues: { ':g': { S: RUN } } }));
  report('sparse GSI', (r.Items ?? []).every((i) => i.gsiPk) && q.Count === 1, { scanCount: r.Count, queryCount: q.Count });
}

async function transact() {
  const k = { pk: { S: `${RUN}#tx` }, sk: { S: '1' } };
  await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { ...k, v: { N: '1' } } }));
  try {
    await ddb.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'probe-table', Item: { pk: { S: `${RUN}#tx2` }, sk: { S: '1' } } } },
      { Put: { TableName: 'probe-table', Item: { ...k, v: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    ] }));
    report('TransactWriteItems CancellationReasons', false, 'no error');
  } catch (e: any) {
    const tx2 = (await ddb.send(new GetItemCommand({ TableName: 'probe-table', Key: { pk: { S: `${RUN}#tx2` }, sk: { S: '1' } } }))).Item;
    report('TransactWriteItems CancellationReasons', e.name === 'TransactionCanceledException' && e.CancellationReasons?.[0]?.Code === 'None' && e.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed' && !!e.CancellationReasons?.[1]?.Item && !tx2, { name: e.name, reasons: e.CancellationReasons, firstPutRolledBack: !tx2 });
  }
  try {
    await ddb.send(new PutItemCommand({ TableName: 'probe-table', Item: { ...k, v: { N: '3' } }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
  } catch (e: any) {
    report('PutItem ConditionalCheckFailed ALL_OLD', e.name === 'ConditionalCheckFailedException' && !!e.Item, { name: e.name, item: e.Item });
  }
}

async function remainingTime() {
  const inv = async (p: unknown) => {
    const s = Date.now();
    const r = await lam.send(new InvokeCommand({ FunctionName: 'probe-sleep', Payload: Buffer.from(JSON.stringify(p)) }));
    return { ms: Date.now() - s, FunctionError: r.FunctionError, payload: JSON.parse(Buffer.from(r.Payload ?? []).toString() || 'null') };
  };
  const a = await inv({ sleepMs: 1500 });
  report('context.getRemainingTimeInMillis (timeout 5 s, sleep 1.5 s)', a.payload?.before <= 5000 && a.payload?.before > 4000 && a.payload?.after < a.payload?.before - 1000, a);
  const b = await inv({ sleepMs: 7000 });
  report('Timeout enforced (sleep 7 s > timeout 5 s)', !!b.FunctionError && b.ms < 6900, b);
  const c = await inv({ sleepMs: 10 });
  report('invoke after a timeout', c.payload?.before > 4000, c);
}

async function envUpdate() {
  const inv = async () => JSON.parse(Buffer.from((await lam.send(new InvokeCommand({ FunctionName: 'probe-sleep', Payload: Buffer.from('{"sleepMs":1}') }))).Payload!).toString()).probeVar;
  const v0 = await inv();
  const cfg = await lam.send(new GetFunctionConfigurationCommand({ FunctionName: 'probe-sleep' }));
  await lam.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'probe-sleep', Environment: { Variables: { ...cfg.Environment!.Variables!, PROBE_VAR: 'v2' } } }));
  const v1 = await inv();
  await lam.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'probe-sleep', Environment: { Variables: { ...cfg.Environment!.Variables! } } }));
  const v2 = await inv();
  report('UpdateFunctionConfiguration env takes effect', v0 === 'v1' && v1 === 'v2' && v2 === 'v1', { before: v0, afterUpdate: v1, afterRevert: v2 });
}

async function functionEnv() {
  const all = [...(await obs('sqs')), ...(await obs('stream')), ...(await obs('schedule'))];
  const sample = all.at(-1);
  report('function process env (endpoint vars, node, arch)', true, sample && { endpointEnv: sample.endpointEnv, region: sample.region, node: sample.node, arch: sample.arch, awsKey: sample.awsKey, remainingMs: sample.remainingMs, kinds: [...new Set(all.map((x) => x.kind))] });
}

async function schedule() {
  const found = await until(75000, async () => { const m = await obs('schedule'); return m.length ? m : undefined; }, 2000);
  report('schedule rule rate(1 minute) → Lambda', !!found, found?.map((x) => ({ at: x.sk.slice(0, 23), event: x.event?.['detail-type'], src: x.event?.source })));
}

async function alarm() {
  const sink = await qurl('probe-alarm-sink');
  await drain(sink);
  const d0 = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['probe-dlq-depth'] }))).MetricAlarms?.[0];
  // make DLQ non-empty and see whether the alarm moves by itself
  const dlq = await qurl('probe-dlq');
  await sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: 'x' }));
  await sleep(8000);
  const d1 = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['probe-dlq-depth'] }))).MetricAlarms?.[0];
  const stats = await cw.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'probe-dlq' }], StartTime: new Date(Date.now() - 600000), EndTime: new Date(), Period: 60, Statistics: ['Maximum'] }));
  report('alarm on DLQ depth moves by itself', d1?.StateValue === 'ALARM', { before: d0?.StateValue, after: d1?.StateValue, reason: d1?.StateReason, sqsMetricDatapoints: stats.Datapoints?.length ?? 0 });
  await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/SQS', MetricData: [{ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'probe-dlq' }], Value: 1 }] }));
  await sleep(2000);
  const d2 = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['probe-dlq-depth'] }))).MetricAlarms?.[0];
  report('alarm after PutMetricData', d2?.StateValue === 'ALARM', { state: d2?.StateValue, reason: d2?.StateReason });
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'probe-dlq-depth', StateValue: 'OK', StateReason: 'reset' }));
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'probe-dlq-depth', StateValue: 'ALARM', StateReason: 'probe' }));
  const msg = await until(10000, async () => { const m = await drain(sink); return m.length ? m : undefined; }, 500);
  report('alarm → SNS → SQS subscription', !!msg, msg?.map((m) => m.Body?.slice(0, 300)));
  await drain(dlq);
}

async function archiveReplay() {
  const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/probe-bus';
  let created: unknown;
  try { created = await eb.send(new CreateArchiveCommand({ ArchiveName: 'probe-archive', EventSourceArn: bus, EventPattern: JSON.stringify({ account: ['000000000000'] }), RetentionDays: 1 })); } catch (e: any) { created = e.name; }
  const d = await eb.send(new DescribeArchiveCommand({ ArchiveName: 'probe-archive' }));
  const start = new Date(Date.now() - 1000);
  await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.ping.v1', Detail: JSON.stringify({ run: RUN, n: 'replay' }) }] }));
  await sleep(3000);
  const d2 = await eb.send(new DescribeArchiveCommand({ ArchiveName: 'probe-archive' }));
  const r = await eb.send(new StartReplayCommand({ ReplayName: `probe-replay-${RUN}`, EventSourceArn: d.ArchiveArn!, EventStartTime: start, EventEndTime: new Date(), Destination: { Arn: bus } }));
  const done = await until(20000, async () => { const x = await eb.send(new DescribeReplayCommand({ ReplayName: `probe-replay-${RUN}` })); return x.State === 'COMPLETED' || x.State === 'FAILED' ? x : undefined; }, 500);
  await sleep(4000);
  const deliveries = (await obs('sqs')).flatMap((o) => o.records).filter((x: any) => x.detail?.run === RUN && x.detail?.n === 'replay');
  report('Archive via CreateArchive; replay excluded by "replay-name": [{"exists": false}]', deliveries.length === 1, { created: typeof created === 'string' ? created : 'ok', state: d.State, eventCountAfterPut: d2.EventCount, replay: { state: done?.State, reason: done?.StateReason }, deliveriesOfReplayedEvent: deliveries.length });
}

async function replayVisible() {
  // a second rule WITHOUT the replay filter, targeting probe-alarm-sink, shows whether a replay delivers at all
  const { PutRuleCommand, PutTargetsCommand } = await import('@aws-sdk/client-eventbridge');
  const sink = await qurl('probe-alarm-sink');
  await drain(sink);
  await eb.send(new PutRuleCommand({ Name: 'probe-replay-seen', EventBusName: 'probe-bus', EventPattern: JSON.stringify({ 'detail-type': ['probe.replay.v1'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'probe-replay-seen', EventBusName: 'probe-bus', Targets: [{ Id: 'sink', Arn: 'arn:aws:sqs:us-east-1:000000000000:probe-alarm-sink' }] }));
  const bus = 'arn:aws:events:us-east-1:000000000000:event-bus/probe-bus';
  const start = new Date(Date.now() - 1000);
  await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.replay.v1', Detail: JSON.stringify({ run: RUN }) }] }));
  await sleep(2000);
  const first = await drain(sink);
  const arn = (await eb.send(new DescribeArchiveCommand({ ArchiveName: 'probe-archive' }))).ArchiveArn!;
  await eb.send(new StartReplayCommand({ ReplayName: `probe-replay2-${RUN}`, EventSourceArn: arn, EventStartTime: start, EventEndTime: new Date(), Destination: { Arn: bus } }));
  const replayed = await until(15000, async () => { const m = await drain(sink); return m.length ? m : undefined; }, 500);
  report('StartReplay delivers (rule without replay filter) with replay-name', !!replayed && JSON.parse(replayed[0].Body)['replay-name'] !== undefined, { original: first.map((m) => JSON.parse(m.Body!)['replay-name'] ?? null), replayed: replayed?.map((m) => JSON.parse(m.Body!)['replay-name'] ?? null) });
}

async function brokenTarget() {
  // rule target whose queue does not exist: is the target DeadLetterConfig used?
  const { PutRuleCommand, PutTargetsCommand } = await import('@aws-sdk/client-eventbridge');
  const tdlq = await qurl('probe-target-dlq');
  await drain(tdlq);
  await eb.send(new PutRuleCommand({ Name: 'probe-broken', EventBusName: 'probe-bus', EventPattern: JSON.stringify({ 'detail-type': ['probe.broken.v1'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'probe-broken', EventBusName: 'probe-bus', Targets: [{ Id: 'gone', Arn: 'arn:aws:sqs:us-east-1:000000000000:does-not-exist', DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:probe-target-dlq' }, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }] }));
  await eb.send(new PutEventsCommand({ Entries: [{ EventBusName: 'probe-bus', Source: 'probe', DetailType: 'probe.broken.v1', Detail: JSON.stringify({ run: RUN }) }] }));
  const got = await until(20000, async () => { const m = await drain(tdlq); return m.length ? m : undefined; }, 1000);
  report('rule target DeadLetterConfig used on delivery failure', !!got, got?.map((m) => ({ body: m.Body?.slice(0, 200), attrs: m.MessageAttributes })));
}

async function concurrency() {
  // a slow function (1 s per batch of 1) on its own queue with MaximumConcurrency 2: in-flight count,
  // drain time, and whether another queue's mapping is delayed meanwhile
  const { CreateQueueCommand } = await import('@aws-sdk/client-sqs');
  const { CreateEventSourceMappingCommand, DeleteEventSourceMappingCommand } = await import('@aws-sdk/client-lambda');
  const slow = (await sqs.send(new CreateQueueCommand({ QueueName: 'probe-slow', Attributes: { VisibilityTimeout: '30' } }))).QueueUrl!;
  const esm = await lam.send(new CreateEventSourceMappingCommand({ FunctionName: 'probe-sleep', EventSourceArn: 'arn:aws:sqs:us-east-1:000000000000:probe-slow', BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } }));
  await sleep(1500);
  const s = Date.now();
  for (let i = 0; i < 8; i++) await sqs.send(new SendMessageCommand({ QueueUrl: slow, MessageBody: '{}' }));
  const q = await qurl('probe-queue');
  const tag = `${RUN}-c`;
  await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: JSON.stringify({ detail: { run: tag, n: 0 } }) }));
  let otherLatency: number | undefined; let maxInflight = 0; let drainedMs: number | undefined;
  while (Date.now() - s < 30000) {
    const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: slow, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
    maxInflight = Math.max(maxInflight, Number(a.ApproximateNumberOfMessagesNotVisible));
    if (otherLatency === undefined && (await obs('sqs')).some((o) => o.records.some((x: any) => x.detail?.run === tag))) otherLatency = Date.now() - s;
    if (a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0') { drainedMs = Date.now() - s; break; }
    await sleep(100);
  }
  await lam.send(new DeleteEventSourceMappingCommand({ UUID: esm.UUID! }));
  report('SQS ESM MaximumConcurrency=2 (8 × 1 s, batch 1)', maxInflight <= 2, { maxInflight, drainedMs, otherQueueLatencyMs: otherLatency });
}

async function sqsMisc() {
  const dlq = await qurl('probe-dlq'), q = await qurl('probe-queue');
  const res: Record<string, unknown> = {};
  try { res.ListDeadLetterSourceQueues = (await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }))).queueUrls; } catch (e: any) { res.ListDeadLetterSourceQueues = `${e.name}: ${e.message}`; }
  try { res.StartMessageMoveTask = (await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:probe-dlq' }))).TaskHandle; } catch (e: any) { res.StartMessageMoveTask = `${e.name}: ${e.message}`; }
  res.queueUrlHost = new URL(q).host;
  report('sqs misc', true, res);
}

async function batching() {
  // 12 messages at once: batch sizes (BatchSize 5, window 1 s, MaximumConcurrency 2)
  const q = await qurl('probe-queue');
  const tag = `${RUN}-b`;
  const s = Date.now();
  for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl: q, MessageBody: JSON.stringify({ detail: { run: tag, n: i } }) }));
  const got = await until(20000, async () => { const b = (await obs('sqs')).filter((o) => o.records.some((x: any) => x.detail?.run === tag)); return b.reduce((a, o) => a + o.records.length, 0) >= 12 ? b : undefined; });
  report('sqs ESM batch sizes', !!got, { ms: Date.now() - s, batches: got?.map((o) => ({ at: o.sk.slice(11, 23), size: o.records.length, req: o.requestId.slice(0, 8) })) });
}

const checks: Record<string, () => Promise<void>> = { http, putEventsToLambda, messageAttributes, ddbStream, ttl, sparseGsi, transact, remainingTime, envUpdate, batching, concurrency, archiveReplay, replayVisible, brokenTarget, alarm, sqsMisc, schedule, functionEnv };
for (const [name, fn] of Object.entries(checks)) {
  if (!want(name)) continue;
  try { await fn(); } catch (e: any) { report(name, `ERROR ${e.name}: ${e.message}`, e.stack?.split('\n').slice(0, 3)); }
}
