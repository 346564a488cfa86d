import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
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
