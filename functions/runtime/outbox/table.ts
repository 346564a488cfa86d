import { ConditionalCheckFailedException, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoClient } from '../support/aws-clients.js';
import { systemClock, type Clock } from '../support/backoff.js';
import { idsFromSparseIndex, readConsistent } from '../support/dynamo-reads.js';
import { OUTBOX_TABLE } from '../../contracts/conventions.js';
import type { StoredEntry } from '../publish/outgoing.js';

/** Layout in docs/ARCHITECTURE.md § Shared conventions. */
const PENDING_INDEX = OUTBOX_TABLE.pendingIndex;
const PENDING = 'PENDING';
/** Published rows stay 7 days (what was announced, and when) before TTL removes them. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 3_600_000;

export interface OutboxRow extends StoredEntry {
  createdAt: number;
}

/** The outbox row for a built event, as written inside the business transaction. */
export function outboxItem(stored: StoredEntry, now: number): Record<string, AttributeValue> {
  return marshall({
    event_id: stored.eventId,
    source: stored.entry.Source,
    detail_type: stored.entry.DetailType,
    detail: stored.entry.Detail,
    status: PENDING,
    pending: PENDING,
    created_at: now,
  });
}

export interface OutboxTable {
  /** The rows among `ids` that are still PENDING now (consistent read); published or missing ones are left out. */
  stillPending(ids: readonly string[]): Promise<OutboxRow[]>;
  /** Ids of unpublished rows created at or before `cutoff` (epoch ms), oldest first. */
  pendingSince(cutoff: number, limit: number): Promise<string[]>;
  /** PENDING → PUBLISHED; a row someone else already marked is left as it is. */
  markPublished(row: OutboxRow): Promise<void>;
}

export function createOutboxTable(options: { tableName: string; client?: DynamoDBClient; clock?: Clock }): OutboxTable {
  const client = options.client ?? dynamoClient();
  const clock = options.clock ?? systemClock;
  const TableName = options.tableName;

  return {
    async stillPending(ids) {
      const rows = await readConsistent(client, TableName, 'event_id', ids, clock);
      return rows
        .filter((r) => r.status === PENDING)
        .map((r) => ({
          eventId: String(r.event_id),
          entry: { Source: String(r.source), DetailType: String(r.detail_type), Detail: String(r.detail) },
          createdAt: Number(r.created_at),
        }));
    },

    pendingSince: (cutoff, limit) =>
      idsFromSparseIndex(client, {
        table: TableName,
        index: PENDING_INDEX,
        partition: { name: 'pending', value: PENDING },
        sortKey: { name: 'created_at', atMost: cutoff },
        keyName: 'event_id',
        limit,
      }),

    async markPublished(row) {
      const now = clock.now();
      try {
        await client.send(
          new UpdateItemCommand({
            TableName,
            Key: marshall({ event_id: row.eventId }),
            // removing `pending` takes the row out of the sweeper's sparse index
            UpdateExpression: 'SET #status = :published, published_at = :now, expires_at = :expires REMOVE #pending',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status', '#pending': 'pending' },
            ExpressionAttributeValues: marshall({
              ':published': 'PUBLISHED',
              ':pending': PENDING,
              ':now': now,
              ':expires': Math.floor((now + OUTBOX_RETENTION_MS) / 1000),
            }),
          }),
        );
      } catch (error) {
        // The relay and the sweeper can race on one row; the event went out either way.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}
