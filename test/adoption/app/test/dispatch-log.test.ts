import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { courierDetail, eventBridgeEvent, fakeLambdaContext, InMemoryIdempotencyTable, sqsEvent, sqsRecord } from 'courier/testing';
import { beforeAll, expect, it } from 'vitest';
import { ShipmentDispatchedV1 } from '../src/events.js';

Object.assign(process.env, { CONSUMER_NAME: 'dispatch-log', DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq', IDEMPOTENCY_TABLE: 'idempotency', DISPATCH_TABLE: 'dispatches' });
const ddb = mockClient(DynamoDBClient);
mockClient(SQSClient);
const table = new InMemoryIdempotencyTable('idempotency');
let handler: (typeof import('../src/handlers/dispatch-log.js'))['handler'];

beforeAll(async () => {
  table.install(ddb);
  ({ handler } = await import('../src/handlers/dispatch-log.js'));
});

it('records a dispatch once: the redelivery is a duplicate, its write is not sent again', async () => {
  const detail = courierDetail(ShipmentDispatchedV1, { shipment_id: 's-1', order_id: 'o-1', carrier: 'dhl', sequence: 1 });
  const body = eventBridgeEvent(ShipmentDispatchedV1, detail);
  expect(await handler(sqsEvent(sqsRecord(body)), fakeLambdaContext())).toEqual({ batchItemFailures: [] });
  expect(await handler(sqsEvent(sqsRecord(body, { receiveCount: 2 })), fakeLambdaContext())).toEqual({ batchItemFailures: [] });
  const writes = ddb.calls().map((c) => c.args[0].input as { TransactItems?: { Put?: { TableName?: string } }[] });
  expect(writes.filter((w) => w.TransactItems?.some((t) => t.Put?.TableName === 'dispatches'))).toHaveLength(1);
  expect(table.status(`dispatch-log#${detail.event_id}`)).toBe('COMPLETED');
});
