import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/**
 * SDK clients, created once per container and reused by every invocation. Explicit timeouts and a small
 * retry budget: the SDK defaults (no request timeout) would let one stuck socket eat a record's deadline.
 * The endpoint comes from AWS_ENDPOINT_URL when set (local engine), as the SDK resolves it by default.
 */
export const CLIENT_TIMEOUTS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 } as const;

const config = () => ({
  maxAttempts: CLIENT_TIMEOUTS.maxAttempts,
  requestHandler: new NodeHttpHandler({
    connectionTimeout: CLIENT_TIMEOUTS.connectionTimeoutMs,
    requestTimeout: CLIENT_TIMEOUTS.requestTimeoutMs,
  }),
});

let dynamo: DynamoDBClient | undefined;
let sqs: SQSClient | undefined;
let events: EventBridgeClient | undefined;

/**
 * The container's DynamoDB client, with courier's timeouts and retry budget: use it in handlers instead
 * of a client of your own, so every call is bounded the same way.
 *
 * @example
 * const { Item } = await dynamoClient().send(new GetItemCommand({ TableName: ORDERS_TABLE, Key: { pk: { S: orderId } } }), { abortSignal: context.signal });
 */
export const dynamoClient = (): DynamoDBClient => (dynamo ??= new DynamoDBClient(config()));
// Queue URLs from an emulator may name another host; never let them redirect the client.
/**
 * The container's SQS client, with courier's timeouts and retry budget (queue URLs are not used as
 * endpoints, so the local engine's URLs work too).
 *
 * @example
 * await sqsClient().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
 */
export const sqsClient = (): SQSClient => (sqs ??= new SQSClient({ ...config(), useQueueUrlAsEndpoint: false }));
/**
 * The container's EventBridge client, with courier's timeouts and retry budget; the publisher's default.
 *
 * @example
 * const publisher = createPublisher({ busName: 'courier-bus', client: eventBridgeClient() });
 */
export const eventBridgeClient = (): EventBridgeClient => (events ??= new EventBridgeClient(config()));
