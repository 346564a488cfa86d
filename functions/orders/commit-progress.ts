import { ConditionalCheckFailedException, TransactionCanceledException, TransactWriteItemsCommand, UpdateItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export type ProgressCommit = { committed: true } | { committed: false; current?: Record<string, unknown> };

/**
 * Commits the writes of one reply (record-fact.ts) at the lowest price DynamoDB offers for them: the
 * usual single order update as a conditional UpdateItem (one write unit; a transaction would cost two),
 * an update with its compensation's outbox row in one TransactWriteItems (both or neither). The order
 * update comes first and carries the version condition: when it fails, the order as it is now (ALL_OLD)
 * comes back so the caller can say what changed. Any other failure is thrown (transient).
 *
 * @example
 * const result = await commitProgress(dynamoClient(), progressWrites(order, event, tables, Date.now()), signal);
 */
export async function commitProgress(client: DynamoDBClient, writes: readonly TransactWriteItem[], signal?: AbortSignal): Promise<ProgressCommit> {
  const options = signal ? { abortSignal: signal } : {};
  const [only] = writes;
  try {
    if (writes.length === 1 && only?.Update) await client.send(new UpdateItemCommand(only.Update), options);
    else await client.send(new TransactWriteItemsCommand({ TransactItems: [...writes] }), options);
    return { committed: true };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return { committed: false, current: error.Item && unmarshall(error.Item) };
    const first = error instanceof TransactionCanceledException ? error.CancellationReasons?.[0] : undefined;
    if (first?.Code === 'ConditionalCheckFailed') return { committed: false, current: first.Item && unmarshall(first.Item) };
    throw error;
  }
}
