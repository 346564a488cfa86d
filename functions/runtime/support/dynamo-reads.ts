import { BatchGetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { backoffDelay, type Clock } from './backoff.js';

/**
 * Reads for the background jobs (relay, sweeper, retrier). A GSI is eventually consistent and may
 * project only keys, and a stream may redeliver old images; so candidates are always re-read from the
 * table with a consistent read before anything is published again.
 */

const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_ROUNDS = 5;

/**
 * Current rows for `ids` (string partition key `keyName`), read consistently in BatchGetItem calls of 100
 * keys with unprocessed keys retried; ids with no row are simply absent. For handlers that must decide on
 * the latest state of several items at once.
 *
 * @example
 * const rows = await readConsistent(dynamoClient(), POINTS_TABLE, 'pk', [awardKey(orderId), userKey(userId)], systemClock);
 */
export async function readConsistent(
  client: DynamoDBClient,
  table: string,
  keyName: string,
  ids: readonly string[],
  clock: Clock,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  const unique = [...new Set(ids)];
  for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
    let keys: Record<string, AttributeValue>[] = unique.slice(start, start + BATCH_GET_MAX_KEYS).map((id) => ({ [keyName]: { S: id } }));
    for (let round = 1; keys.length > 0; round++) {
      const out = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }));
      rows.push(...(out.Responses?.[table] ?? []).map((item) => unmarshall(item)));
      keys = out.UnprocessedKeys?.[table]?.Keys ?? [];
      if (keys.length === 0) break;
      if (round >= UNPROCESSED_ROUNDS) throw new Error(`BatchGetItem on ${table} left ${keys.length} keys unprocessed`);
      await clock.sleep(backoffDelay(round, { baseMs: 20, capMs: 500 }, clock.random));
    }
  }
  return rows;
}

export interface SparseIndexQuery {
  table: string;
  index: string;
  /** The sparse partition key and its only value (`pending` = 'PENDING', `due` = 'DUE'). */
  partition: { name: string; value: string };
  /** Sort key (epoch ms) and the inclusive upper bound. */
  sortKey: { name: string; atMost: number };
  /** Partition key of the base table, read from each index item. */
  keyName: string;
  limit: number;
}

/** Where a page of a sparse-index query ended; pass it back to continue after it. */
export type PageCursor = Record<string, AttributeValue>;

/** One page of at most `q.limit` ids (sort key ≤ bound, oldest first), continuing after `after`. */
export async function pageFromSparseIndex(client: DynamoDBClient, q: SparseIndexQuery, after?: PageCursor): Promise<{ ids: string[]; next?: PageCursor }> {
  const out = await client.send(
    new QueryCommand({
      TableName: q.table,
      IndexName: q.index,
      KeyConditionExpression: '#p = :p AND #s <= :bound',
      ExpressionAttributeNames: { '#p': q.partition.name, '#s': q.sortKey.name, '#k': q.keyName },
      ExpressionAttributeValues: { ':p': { S: q.partition.value }, ':bound': { N: String(q.sortKey.atMost) } },
      ProjectionExpression: '#k',
      Limit: q.limit,
      ExclusiveStartKey: after,
    }),
  );
  const ids = (out.Items ?? []).flatMap((item) => (item[q.keyName]?.S ? [item[q.keyName]!.S!] : []));
  return { ids, next: out.LastEvaluatedKey };
}

/** Ids of up to `limit` index items with sort key ≤ bound, oldest first. */
export async function idsFromSparseIndex(client: DynamoDBClient, q: SparseIndexQuery): Promise<string[]> {
  const ids: string[] = [];
  let after: PageCursor | undefined;
  do {
    const page = await pageFromSparseIndex(client, { ...q, limit: q.limit - ids.length }, after);
    ids.push(...page.ids);
    after = page.next;
  } while (after && ids.length < q.limit);
  return ids;
}
