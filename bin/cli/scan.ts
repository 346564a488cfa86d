import { paginateScan, type AttributeValue, type DynamoDBClient, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** Every item of a table, page by page, as DynamoDB returns them (raw attribute values; the SDK's paginator follows LastEvaluatedKey). */
export async function* scanPages(dynamodb: DynamoDBClient, input: ScanCommandInput): AsyncGenerator<Record<string, AttributeValue>[]> {
  for await (const page of paginateScan({ client: dynamodb }, input)) yield page.Items ?? [];
}

/** Every item of a table as plain objects (consistent reads: the checks act on what they see). */
export async function scanItems<T = Record<string, any>>(dynamodb: DynamoDBClient, TableName: string, input: Omit<ScanCommandInput, 'TableName'> = {}): Promise<T[]> {
  const items: T[] = [];
  for await (const page of scanPages(dynamodb, { ConsistentRead: true, ...input, TableName })) items.push(...page.map((i) => unmarshall(i) as T));
  return items;
}
