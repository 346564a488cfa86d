import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateContinuousBackupsCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GetEventSourceMappingCommand, GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { referencedLogicalId, type DeployedResource } from './deployed-resources.js';

export interface Clients {
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
}

/**
 * One property the template asks for, checked against what the engine actually did. `repair` applies
 * it through the service API for engines known to drop it (docs/LOCAL-ENGINE.md); never used on AWS.
 */
export interface Setting {
  name: string;
  type: string;
  /** The value the template asks for, or undefined when this resource does not ask for it. */
  wanted(resource: DeployedResource, all: DeployedResource[]): unknown;
  actual(resource: DeployedResource, clients: Clients, all: DeployedResource[]): Promise<unknown>;
  repair?(resource: DeployedResource, clients: Clients, wanted: unknown): Promise<void>;
}

const queueUrl = async (sqs: SQSClient, physicalId: string) =>
  physicalId.startsWith('http') ? physicalId : (await sqs.send(new GetQueueUrlCommand({ QueueName: physicalId }))).QueueUrl!;

const queueAttributes = async (sqs: SQSClient, physicalId: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, physicalId), AttributeNames: ['All'] }))).Attributes ?? {};

/** Redrive target as the DLQ's ARN, resolved from the template's `Fn::GetAtt [Dlq, Arn]`. */
async function redriveWanted(resource: DeployedResource, all: DeployedResource[], sqs: SQSClient) {
  const policy = resource.properties.RedrivePolicy;
  const dlq = all.find((r) => r.logicalId === referencedLogicalId(policy.deadLetterTargetArn) && r.stack === resource.stack);
  const dlqArn = dlq ? (await queueAttributes(sqs, dlq.physicalId)).QueueArn : undefined;
  return { deadLetterTargetArn: dlqArn, maxReceiveCount: Number(policy.maxReceiveCount) };
}

export const SETTINGS: Setting[] = [
  {
    name: 'SQS redrive policy',
    type: 'AWS::SQS::Queue',
    wanted: (r) => (r.properties.RedrivePolicy ? { maxReceiveCount: Number(r.properties.RedrivePolicy.maxReceiveCount) } : undefined),
    async actual(r, { sqs }, all) {
      const raw = (await queueAttributes(sqs, r.physicalId)).RedrivePolicy;
      if (!raw) return undefined;
      const policy = JSON.parse(raw);
      const wanted = await redriveWanted(r, all, sqs);
      // the target must be this queue's own DLQ, not just any queue
      return policy.deadLetterTargetArn === wanted.deadLetterTargetArn ? { maxReceiveCount: Number(policy.maxReceiveCount) } : { wrongTarget: policy.deadLetterTargetArn };
    },
  },
  {
    name: 'SQS managed encryption',
    type: 'AWS::SQS::Queue',
    wanted: (r) => (r.properties.SqsManagedSseEnabled ? 'true' : undefined),
    actual: async (r, { sqs }) => (await queueAttributes(sqs, r.physicalId)).SqsManagedSseEnabled,
    async repair(r, { sqs }) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, r.physicalId), Attributes: { SqsManagedSseEnabled: 'true' } }));
    },
  },
  {
    // Cannot be repaired: FIFO-ness is fixed when a queue is created; a standard queue here fails the deploy.
    name: 'SQS FIFO queue',
    type: 'AWS::SQS::Queue',
    wanted: (r) => (r.properties.FifoQueue ? 'true' : undefined),
    actual: async (r, { sqs }) => (await queueAttributes(sqs, r.physicalId)).FifoQueue,
  },
  {
    // EventBridge sends a FIFO target no deduplication id: without this, AWS delivers nothing to the queue.
    name: 'SQS content-based deduplication',
    type: 'AWS::SQS::Queue',
    wanted: (r) => (r.properties.ContentBasedDeduplication ? 'true' : undefined),
    actual: async (r, { sqs }) => (await queueAttributes(sqs, r.physicalId)).ContentBasedDeduplication,
    async repair(r, { sqs }) {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, r.physicalId), Attributes: { ContentBasedDeduplication: 'true' } }));
    },
  },
  {
    name: 'SQS visibility timeout',
    type: 'AWS::SQS::Queue',
    wanted: (r) => (r.properties.VisibilityTimeout === undefined ? undefined : String(r.properties.VisibilityTimeout)),
    actual: async (r, { sqs }) => (await queueAttributes(sqs, r.physicalId)).VisibilityTimeout,
  },
  {
    name: 'event source mapping response types',
    type: 'AWS::Lambda::EventSourceMapping',
    wanted: (r) => r.properties.FunctionResponseTypes,
    actual: async (r, { lambda }) => (await lambda.send(new GetEventSourceMappingCommand({ UUID: r.physicalId }))).FunctionResponseTypes,
  },
  {
    name: 'event source mapping filter',
    type: 'AWS::Lambda::EventSourceMapping',
    wanted: (r) => r.properties.FilterCriteria?.Filters?.map((f: { Pattern: string }) => f.Pattern),
    actual: async (r, { lambda }) =>
      (await lambda.send(new GetEventSourceMappingCommand({ UUID: r.physicalId }))).FilterCriteria?.Filters?.map((f) => f.Pattern),
  },
  {
    name: 'stream mapping max record age',
    type: 'AWS::Lambda::EventSourceMapping',
    wanted: (r) => r.properties.MaximumRecordAgeInSeconds,
    actual: async (r, { lambda }) => (await lambda.send(new GetEventSourceMappingCommand({ UUID: r.physicalId }))).MaximumRecordAgeInSeconds,
  },
  {
    // with Active, the engine sets _X_AMZN_TRACE_ID per invocation (a new root each time: it does not
    // pass trace headers between services), which the runtime's trace context falls back to
    name: 'Lambda tracing mode',
    type: 'AWS::Lambda::Function',
    wanted: (r) => r.properties.TracingConfig?.Mode,
    actual: async (r, { lambda }) => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: r.physicalId }))).TracingConfig?.Mode,
  },
  {
    name: 'DynamoDB stream',
    type: 'AWS::DynamoDB::Table',
    wanted: (r) => r.properties.StreamSpecification?.StreamViewType,
    async actual(r, { dynamodb }) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: r.physicalId }));
      return Table?.StreamSpecification?.StreamEnabled ? Table.StreamSpecification.StreamViewType : undefined;
    },
  },
  {
    name: 'DynamoDB TTL',
    type: 'AWS::DynamoDB::Table',
    wanted: (r) => (r.properties.TimeToLiveSpecification?.Enabled ? r.properties.TimeToLiveSpecification.AttributeName : undefined),
    async actual(r, { dynamodb }) {
      const { TimeToLiveDescription: ttl } = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: r.physicalId }));
      return ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING' ? ttl.AttributeName : undefined;
    },
    async repair(r, { dynamodb }, wanted) {
      await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: r.physicalId, TimeToLiveSpecification: { AttributeName: String(wanted), Enabled: true } }));
    },
  },
  {
    name: 'DynamoDB point-in-time recovery',
    type: 'AWS::DynamoDB::Table',
    wanted: (r) => (r.properties.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled ? 'ENABLED' : undefined),
    async actual(r, { dynamodb }) {
      const out = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: r.physicalId }));
      return out.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
    },
    async repair(r, { dynamodb }) {
      await dynamodb.send(
        new UpdateContinuousBackupsCommand({ TableName: r.physicalId, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      );
    },
  },
];
