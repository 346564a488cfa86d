import { DynamoDBClient, TransactWriteItemsCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchCounting, COUNT_ENV, countEveryClient, countRequests } from '../../../scripts/cost/count-middleware';
import { sqsRecord } from 'courier/testing';
import { stubAwsHttp, testAwsEnvironment, type Route } from '../aws-http-stub';

let lines: string[];
const write = (line: string) => lines.push(line);
let aws: ReturnType<typeof stubAwsHttp>;
let route: Route;
const facts = () => lines.map((l) => JSON.parse(l));

beforeAll(() => testAwsEnvironment());
beforeEach(() => {
  lines = [];
  route = () => ({});
  aws = stubAwsHttp((call) => route(call));
  process.env[COUNT_ENV] = '1';
});
afterEach(() => {
  aws.restore();
  delete process.env[COUNT_ENV];
});

const transaction = new TransactWriteItemsCommand({
  TransactItems: [{ Put: { TableName: 'orders', Item: { pk: { S: 'ORDER#1' } } } }, { Update: { TableName: 'idem', Key: { id: { S: 'a' } }, UpdateExpression: 'SET #s = :c', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': { S: 'C' } } } }],
});

describe('request counting middleware', () => {
  it('writes nothing and changes nothing while COURIER_COUNT_REQUESTS is unset', async () => {
    delete process.env[COUNT_ENV];
    const client = new DynamoDBClient({ maxAttempts: 1 });
    countRequests(client, write);
    await client.send(transaction);
    expect(lines).toEqual([]);
    expect(aws.of('TransactWriteItems')[0]!.input.ReturnConsumedCapacity).toBeUndefined();
  });

  it('one line per request with its facts; asks the engine for ConsumedCapacity and hides it from a caller that did not ask', async () => {
    route = () => ({ ConsumedCapacity: [{ TableName: 'orders', CapacityUnits: 2 }, { TableName: 'idem', CapacityUnits: 2 }] });
    const client = new DynamoDBClient({ maxAttempts: 1 });
    countRequests(client, write);
    const out = await client.send(transaction);
    expect(aws.of('TransactWriteItems')[0]!.input.ReturnConsumedCapacity).toBe('INDEXES');
    expect(out.ConsumedCapacity).toBeUndefined();
    expect(facts()).toEqual([
      {
        courier_cost: 1,
        svc: 'DynamoDB',
        op: 'TransactWriteItems',
        items: [
          { t: 'orders', a: 'put', tx: 1, s: { pk: 9 } },
          { t: 'idem', a: 'update', tx: 1, k: 'id=a', set: ['status'], rm: [] },
        ],
        cc: [{ t: 'orders', u: 2 }, { t: 'idem', u: 2 }],
      },
    ]);
  });

  it('counts every attempt (a throttled one and its retry) and the parsed error of a failed one', async () => {
    let calls = 0;
    route = () => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      throw Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException', Item: { pk: { S: 'x' } } });
    };
    const client = new DynamoDBClient({ maxAttempts: 2, retryStrategy: undefined });
    countRequests(client, write);
    await expect(client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'x' } } }))).rejects.toThrow('failed');
    expect(facts().map((f) => [f.err, f.items[0].fail])).toEqual([
      ['ThrottlingException', 'Throttling'],
      ['ConditionalCheckFailedException', 'ConditionalCheckFailed'],
    ]);
    expect(facts()[1].items[0].ob).toBe(3);
  });

  it('countEveryClient reaches clients created anywhere in the process (SQS, EventBridge)', async () => {
    countEveryClient(write);
    route = (call) =>
      call.operation === 'PutEvents' ? { FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] } : { MessageId: 'm', MD5OfMessageBody: createHash('md5').update('x').digest('hex') };
    await new SQSClient({ maxAttempts: 1, useQueueUrlAsEndpoint: false }).send(new SendMessageCommand({ QueueUrl: 'http://h/000000000000/dlq', MessageBody: 'x' }));
    await new EventBridgeClient({ maxAttempts: 1 }).send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }, { Source: 's', DetailType: 'd', Detail: '{}' }] }));
    expect(facts()).toEqual([
      { courier_cost: 1, svc: 'SQS', op: 'SendMessage', q: 'dlq', chunks: 1, msgs: 1 },
      { courier_cost: 1, svc: 'EventBridge', op: 'PutEvents', entries: 2, failed: 0, events: 2 },
    ]);
  });

  it('with an absolute directory in COURIER_COUNT_REQUESTS the lines go to a file of this process there, not to the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'count-'));
    process.env[COUNT_ENV] = dir;
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'fn-1';
    try {
      const client = new DynamoDBClient({ maxAttempts: 1 });
      countRequests(client);
      await client.send(transaction);
      await client.send(transaction);
      expect(readdirSync(dir)).toEqual([`fn-1.${process.pid}.jsonl`]);
      const written = readFileSync(join(dir, `fn-1.${process.pid}.jsonl`), 'utf8').trim().split('\n');
      expect(written.map((l) => JSON.parse(l).op)).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    } finally {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    }
  });

  it('a consumer batch: its size and how many records arrive for the first time', () => {
    const again = sqsRecord('{}');
    again.attributes.ApproximateReceiveCount = '3';
    batchCounting(write).beforeBatch!([sqsRecord('{}'), again, sqsRecord('{}')], 'c');
    expect(facts()).toEqual([{ courier_cost: 1, batch: 3, first: 2 }]);
  });
});
