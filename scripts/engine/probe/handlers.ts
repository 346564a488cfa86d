// @ts-nocheck -- run from a scratch directory with its own node_modules (see run.sh), not type-checked with the repo
// Probe functions: each records what it saw into the observations table, so the survey can read it back.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBStreamEvent, SQSEvent, SQSBatchResponse, APIGatewayProxyEventV2 } from 'aws-lambda';

const ddb = new DynamoDBClient({});
const OBS = process.env.OBS_TABLE!;

async function observe(kind: string, ctx: Context, extra: Record<string, unknown>): Promise<void> {
  const item = {
    kind,
    remainingMs: ctx.getRemainingTimeInMillis(),
    probeVar: process.env.PROBE_VAR ?? null,
    endpoint: process.env.AWS_ENDPOINT_URL ?? null,
    endpointEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => /ENDPOINT|LOCALSTACK|MINISTACK|EDGE|GATEWAY/.test(k))),
    region: process.env.AWS_REGION ?? null,
    node: process.version,
    arch: process.arch,
    fnName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? null,
    awsKey: process.env.AWS_ACCESS_KEY_ID ?? null,
    requestId: ctx.awsRequestId,
    ...extra,
  };
  await ddb.send(
    new PutItemCommand({
      TableName: OBS,
      Item: {
        pk: { S: kind },
        sk: { S: `${new Date().toISOString()}#${ctx.awsRequestId}#${Math.random()}` },
        data: { S: JSON.stringify(item) },
      },
    }),
  );
}

export async function sqsHandler(event: SQSEvent, ctx: Context): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  const records = event.Records.map((r) => {
    let body: any;
    try { body = JSON.parse(r.body); } catch { body = r.body; }
    const fail = JSON.stringify(body).includes('"fail":true');
    if (fail) failures.push({ itemIdentifier: r.messageId });
    return { messageId: r.messageId, receiveCount: r.attributes.ApproximateReceiveCount, fail, detailType: body?.['detail-type'], detail: body?.detail, attrs: r.messageAttributes };
  });
  await observe('sqs', ctx, { records, batchSize: event.Records.length });
  return { batchItemFailures: failures };
}

export async function streamHandler(event: DynamoDBStreamEvent, ctx: Context): Promise<void> {
  const records = event.Records.map((r) => ({ eventName: r.eventName, keys: r.dynamodb?.Keys, newImage: r.dynamodb?.NewImage, oldImage: r.dynamodb?.OldImage, viewType: r.dynamodb?.StreamViewType }));
  await observe('stream', ctx, { records, batchSize: event.Records.length });
  if (records.some((r) => r.newImage?.poison)) throw new Error('poison record');
}

export async function scheduleHandler(event: unknown, ctx: Context): Promise<void> {
  await observe('schedule', ctx, { event });
}

export async function httpHandler(event: APIGatewayProxyEventV2, ctx: Context) {
  const body = { id: event.pathParameters?.id ?? null, routeKey: event.routeKey, remainingMs: ctx.getRemainingTimeInMillis(), probeVar: process.env.PROBE_VAR ?? null, endpoint: process.env.AWS_ENDPOINT_URL ?? null, node: process.version };
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function sleepHandler(event: { sleepMs?: number }, ctx: Context) {
  const before = ctx.getRemainingTimeInMillis();
  await new Promise((r) => setTimeout(r, event.sleepMs ?? 1000));
  return { before, after: ctx.getRemainingTimeInMillis(), probeVar: process.env.PROBE_VAR ?? null };
}
