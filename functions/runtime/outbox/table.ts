import { ConditionalCheckFailedException, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoClient } from '../support/aws-clients.js';
import { systemClock, type Clock } from '../support/backoff.js';
import { pageFromSparseIndex, readConsistent, type PageCursor } from '../support/dynamo-reads.js';
import { OUTBOX_TABLE } from '../../contracts/conventions.js';
import type { StoredEntry } from '../publish/outgoing.js';

/** Layout in docs/ARCHITECTURE.md § Shared conventions. */
const PENDING_INDEX = OUTBOX_TABLE.pendingIndex;
const PENDING = 'PENDING';
const PARKED = 'PARKED';
/** Published rows stay 7 days (what was announced, and when) before TTL removes them. */
export const OUTBOX_RETENTION_MS = 7 * 24 * 3_600_000;

/** An outbox row as the relay and the sweeper read it: the built entry, when it was written, its failed sweeps. */
export interface OutboxRow extends StoredEntry {
  /** When the business transaction wrote it (epoch ms). */
  createdAt: number;
  /** Sweeps that tried to publish the row and failed (the relay's stream retries are not counted). */
  attempts: number;
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

/**
 * The outbox table as the relay and the sweeper use it: consistent reads of PENDING rows, pages of the
 * pending index, and the fenced state changes (published, one more failure, parked).
 */
export interface OutboxTable {
  /** The rows among `ids` that are still PENDING now (consistent read); published, parked or missing ones are left out. */
  stillPending(ids: readonly string[]): Promise<OutboxRow[]>;
  /** One page of ids of unpublished rows created at or before `cutoff` (epoch ms), oldest first, continuing after `after`. */
  pendingPage(cutoff: number, limit: number, after?: PageCursor): Promise<{ ids: string[]; next?: PageCursor }>;
  /** PENDING → PUBLISHED; a row someone else already marked is left as it is. */
  markPublished(row: OutboxRow): Promise<void>;
  /** One more failed attempt on a PENDING row (fenced on the count read, so overlapping sweeps count it once). */
  recordFailedAttempt(row: OutboxRow, error: string): Promise<void>;
  /**
   * PENDING → PARKED with the reason: out of the sweeper's index (never retried on its own), into the parked
   * index an operator reads (`courier outbox status`).
   */
  park(row: OutboxRow, error: string): Promise<void>;
}

/**
 * The outbox table on an explicit name (`outboxTableFromEnv` reads it from the environment the Outbox
 * construct sets), for a relay or sweeper of your own.
 *
 * @example
 * const table = createOutboxTable({ tableName: 'orders-outbox' });
 * const summary = await sweepOutbox({ table, publisher: createPublisher({ busName: 'courier-bus' }), olderThanMs: 60_000 });
 */
export function createOutboxTable(options: { tableName: string; client?: DynamoDBClient; clock?: Clock }): OutboxTable {
  const client = options.client ?? dynamoClient();
  const clock = options.clock ?? systemClock;
  const TableName = options.tableName;

  /** An update of a PENDING row; a row another run already moved on is left as it is. */
  const updatePending = async (row: OutboxRow, update: { expression: string; condition?: string; names?: Record<string, string>; values: Record<string, unknown> }) => {
    try {
      await client.send(
        new UpdateItemCommand({
          TableName,
          Key: marshall({ event_id: row.eventId }),
          UpdateExpression: update.expression,
          ConditionExpression: ['#status = :pending', ...(update.condition ? [update.condition] : [])].join(' AND '),
          ExpressionAttributeNames: { '#status': 'status', ...update.names },
          ExpressionAttributeValues: marshall({ ':pending': PENDING, ...update.values }),
        }),
      );
    } catch (error) {
      // The relay and the sweeper (or two sweeps) can race on one row: whoever wrote first decided.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };
  // A row written before attempts were counted has none: it counts as 0.
  const attemptsSeen = { condition: '(attempts = :seen OR attribute_not_exists(attempts))' };

  return {
    async stillPending(ids) {
      const rows = await readConsistent(client, TableName, 'event_id', ids, clock);
      return rows
        .filter((r) => r.status === PENDING)
        .map((r) => ({
          eventId: String(r.event_id),
          entry: { Source: String(r.source), DetailType: String(r.detail_type), Detail: String(r.detail) },
          createdAt: Number(r.created_at),
          attempts: Number(r.attempts ?? 0),
        }));
    },

    pendingPage: (cutoff, limit, after) =>
      pageFromSparseIndex(
        client,
        {
          table: TableName,
          index: PENDING_INDEX,
          partition: { name: 'pending', value: PENDING },
          sortKey: { name: 'created_at', atMost: cutoff },
          keyName: 'event_id',
          limit,
        },
        after,
      ),

    async markPublished(row) {
      const now = clock.now();
      await updatePending(row, {
        // removing `pending` takes the row out of the sweeper's sparse index
        expression: 'SET #status = :published, published_at = :now, expires_at = :expires REMOVE #pending',
        names: { '#pending': 'pending' },
        values: { ':published': 'PUBLISHED', ':now': now, ':expires': Math.floor((now + OUTBOX_RETENTION_MS) / 1000) },
      });
    },

    async recordFailedAttempt(row, error) {
      await updatePending(row, {
        expression: 'SET attempts = :n, last_error = :error',
        condition: attemptsSeen.condition,
        values: { ':n': row.attempts + 1, ':seen': row.attempts, ':error': error },
      });
    },

    async park(row, error) {
      await updatePending(row, {
        // out of pending-by-age (the sweeper stops trying), into parked-by-time (the operator's list)
        expression: 'SET #status = :parked, #parked = :parked, parked_at = :now, attempts = :n, last_error = :error REMOVE #pending',
        names: { '#pending': 'pending', '#parked': 'parked' },
        values: { ':parked': PARKED, ':now': clock.now(), ':n': row.attempts + 1, ':error': error },
      });
    },
  };
}
