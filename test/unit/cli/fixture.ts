import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { bufferOutput, createContext, type Clients } from '../../../bin/cli/context';
import type { ConsumerInfo, Deployment } from '../../../bin/cli/discovery';
import type { CourierPlugin } from '../../../bin/cli/plugins';

export const NOW = Date.parse('2026-01-15T12:00:00.000Z');

export const mocks = {
  cfn: mockClient(CloudFormationClient),
  sqs: mockClient(SQSClient),
  cloudwatch: mockClient(CloudWatchClient),
  dynamodb: mockClient(DynamoDBClient),
  events: mockClient(EventBridgeClient),
  lambda: mockClient(LambdaClient),
};

export function resetMocks(): void {
  for (const m of Object.values(mocks)) m.reset();
}

const region = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
export const clients = (): Clients => ({
  cfn: new CloudFormationClient(region),
  sqs: new SQSClient(region),
  cloudwatch: new CloudWatchClient(region),
  dynamodb: new DynamoDBClient(region),
  events: new EventBridgeClient(region),
  lambda: new LambdaClient(region),
});

const q = (name: string) => `https://sqs.us-east-1.amazonaws.com/1/${name}`;
const arn = (name: string) => `arn:aws:sqs:us-east-1:1:${name}`;

export function consumer(name: string, service: string, detailTypes: string[]): ConsumerInfo {
  const P = name.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  return {
    kind: 'consumer',
    name,
    service,
    stack: `Courier${service}`,
    detailTypes,
    queueUrl: q(`${P}Queue`),
    queueArn: arn(`${P}Queue`),
    dlqUrl: q(`${P}Dlq`),
    dlqArn: arn(`${P}Dlq`),
    targetDlqUrl: q(`${P}TargetDlq`),
    targetDlqArn: arn(`${P}TargetDlq`),
    ruleName: `${P}Rule`,
    ruleArn: `arn:aws:events:us-east-1:1:rule/Bus/${P}Rule`,
    functionName: `${P}Function`,
    logGroupName: `/aws/${P}`,
    idempotencyTableName: `${service}-idem`,
    alarms: { dlqDepth: `${name}-dlq-depth`, errors: `${name}-function-errors` },
  };
}

export function deployment(): Deployment {
  return {
    bus: { kind: 'bus', busName: 'Bus', busArn: 'arn:aws:events:us-east-1:1:event-bus/Bus', archiveName: 'bus-archive', archiveArn: 'arn:aws:events:us-east-1:1:archive/bus-archive', alarmTopicArn: 'topic' },
    consumers: [
      consumer('inventory-orders', 'inventory', ['order.created.v1', 'order.cancelled.v1']),
      consumer('orders-progress', 'orders', ['inventory.reserved.v1']),
    ],
    outboxes: [
      {
        kind: 'outbox',
        service: 'orders',
        stack: 'CourierOrders',
        tableName: 'orders-outbox',
        pendingIndex: 'pending-by-age',
        relayFunctionName: 'orders-relay',
        relayDlqUrl: q('OrdersRelayDlq'),
        relayDlqArn: arn('OrdersRelayDlq'),
        sweeperFunctionName: 'orders-sweeper',
        alarms: {},
      },
    ],
    failedMessages: [{ kind: 'failed-messages', service: 'risk', stack: 'CourierRisk', tableName: 'risk-failed', dueIndex: 'due-by-time', retrierFunctionName: 'risk-retrier', alarms: {} }],
    outputs: { CourierOrders: { OrdersTable: 'orders-table', ApiId: 'api' } },
  };
}

/** A context on the mocked clients, a fixed clock, instant sleeps and buffered output. */
export function testContext(options: { deployment?: Deployment | null; isTTY?: boolean; now?: () => number; plugins?: CourierPlugin[] } = {}) {
  const out = bufferOutput(options.isTTY ?? false);
  const sleeps: number[] = [];
  const ctx = createContext({
    clients: clients(),
    out,
    plugins: options.plugins ?? [],
    now: options.now ?? (() => NOW),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...(options.deployment === null ? {} : { deployment: options.deployment ?? deployment() }),
  });
  return { ctx, out, sleeps };
}

/**
 * SQS queues that behave like queues for the receive loops: a receive with a visibility timeout hides a
 * message until it is released (visibility 0) or deleted, a delete removes it, a send appends a copy with
 * a new id. Depths stay with the test (`GetQueueAttributes`). Returns the queues' contents.
 */
export function fakeQueues(contents: Record<string, Message[]>): Map<string, Message[]> {
  const queues = new Map(Object.entries(contents).map(([url, messages]) => [url, [...messages]]));
  const hidden = new Set<string>();
  let receipts = 0;
  let sent = 0;
  const idOf = (handle: string) => handle.slice(0, handle.lastIndexOf('#'));
  mocks.sqs.on(ReceiveMessageCommand).callsFake((input: { QueueUrl: string; MaxNumberOfMessages?: number; VisibilityTimeout?: number }) => {
    const visible = (queues.get(input.QueueUrl) ?? []).filter((m) => !hidden.has(m.MessageId!)).slice(0, input.MaxNumberOfMessages ?? 1);
    if ((input.VisibilityTimeout ?? 30) > 0) for (const m of visible) hidden.add(m.MessageId!);
    return { Messages: visible.map((m) => ({ ...m, ReceiptHandle: `${m.MessageId}#${(receipts += 1)}` })) };
  });
  mocks.sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { Id: string; ReceiptHandle: string; VisibilityTimeout?: number }[] }) => {
    for (const e of input.Entries) if (e.VisibilityTimeout === 0) hidden.delete(idOf(e.ReceiptHandle));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  mocks.sqs.on(DeleteMessageBatchCommand).callsFake((input: { QueueUrl: string; Entries: { Id: string; ReceiptHandle: string }[] }) => {
    const gone = new Set(input.Entries.map((e) => idOf(e.ReceiptHandle)));
    queues.set(input.QueueUrl, (queues.get(input.QueueUrl) ?? []).filter((m) => !gone.has(m.MessageId!)));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  });
  mocks.sqs.on(SendMessageBatchCommand).callsFake((input: { QueueUrl: string; Entries: { Id: string; MessageBody: string; MessageAttributes?: Message['MessageAttributes'] }[] }) => {
    const copies = input.Entries.map((e) => ({ MessageId: `sent-${(sent += 1)}`, Body: e.MessageBody, MessageAttributes: e.MessageAttributes }));
    queues.set(input.QueueUrl, [...(queues.get(input.QueueUrl) ?? []), ...copies]);
    return { Successful: input.Entries.map((e, i) => ({ Id: e.Id, MessageId: copies[i]!.MessageId, MD5OfMessageBody: '' })), Failed: [] };
  });
  return queues;
}
