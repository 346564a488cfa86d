import { BatchWriteItemCommand, DescribeTableCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Deployment } from '../../bin/cli/discovery';
import { scanPages } from '../../bin/cli/scan';

/** Every queue of the deployment: consumer queues, their DLQs and target DLQs, relay DLQs. */
export function allQueues(d: Deployment): string[] {
  return [...d.consumers.flatMap((c) => [c.queueUrl, c.dlqUrl, c.targetDlqUrl]), ...d.outboxes.map((o) => o.relayDlqUrl)];
}

/** Every table of the deployment: idempotency, outbox and failed-message tables, and business tables. */
export function allTables(d: Deployment): string[] {
  const plain = Object.values(d.outputs).flatMap((outputs) =>
    Object.entries(outputs).filter(([key]) => /Table$/.test(key)).map(([, name]) => name),
  );
  return [...new Set([...d.consumers.map((c) => c.idempotencyTableName), ...d.outboxes.map((o) => o.tableName), ...d.failedMessages.map((f) => f.tableName), ...plain])];
}

/**
 * Empties every queue and table, so a demo or suite starts from nothing without redeploying
 * (the engine's reset would also wipe the stacks and the CDK bootstrap).
 */
export async function clearState(d: Deployment, sqs: SQSClient, dynamodb: DynamoDBClient): Promise<void> {
  await Promise.all(allQueues(d).map((QueueUrl) => sqs.send(new PurgeQueueCommand({ QueueUrl }))));
  for (const table of allTables(d)) await clearTable(dynamodb, table);
}

async function clearTable(dynamodb: DynamoDBClient, TableName: string): Promise<void> {
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName }));
  const keyNames = (Table?.KeySchema ?? []).map((k) => k.AttributeName!);
  const projection = { ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(','), ExpressionAttributeNames: Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])) };
  for await (const items of scanPages(dynamodb, { TableName, ...projection })) {
    for (let i = 0; i < items.length; i += 25) {
      let RequestItems: Record<string, WriteRequest[]> | undefined = { [TableName]: items.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) };
      while (RequestItems && Object.keys(RequestItems).length > 0) {
        const out: { UnprocessedItems?: Record<string, WriteRequest[]> } = await dynamodb.send(new BatchWriteItemCommand({ RequestItems }));
        RequestItems = out.UnprocessedItems;
      }
    }
  }
}
