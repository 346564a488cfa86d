import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoClient } from '../support/aws-clients.js';
import { backoffDelay, systemClock, type BackoffPolicy, type Clock } from '../support/backoff.js';
import { FAILED_MESSAGE_TABLE } from '../../contracts/conventions.js';
import { idsFromSparseIndex, readConsistent } from '../support/dynamo-reads.js';
import type { StoredEntry } from './outgoing.js';
import type { PublishFailure } from './publisher.js';

/** Layout in docs/ARCHITECTURE.md § Shared conventions. */
const DUE_INDEX = FAILED_MESSAGE_TABLE.dueIndex;
const DUE = 'DUE';

/**
 * Background schedule: full jitter from 1 min doubling to a 1 h cap. With the default 8 attempts a
 * message is parked after at most ≈ 3 h of bus trouble, which outlasts a regional EventBridge incident
 * without keeping a poison entry around forever.
 */
export const FAILED_MESSAGE_BACKOFF: BackoffPolicy = { baseMs: 60_000, capMs: 3_600_000 };
/** Rows (parked ones included) expire after 30 days: long enough for an operator to look and redrive. */
export const FAILED_MESSAGE_RETENTION_MS = FAILED_MESSAGE_TABLE.retentionSeconds * 1000;

export interface FailedMessage extends StoredEntry {
  error: string;
  /** Publish runs that failed so far (the first, inline one included). */
  attempts: number;
  nextAttemptAt: number;
  status: 'DUE' | 'PARKED';
}

export interface FailedMessageStore {
  /** Keeps a failed publish: retryable failures become DUE, permanent ones are PARKED at once. */
  keep(failure: PublishFailure): Promise<FailedMessage['status']>;
  /** Up to `limit` DUE rows whose next attempt time has come, oldest first, read consistently. */
  due(limit: number): Promise<FailedMessage[]>;
  remove(message: FailedMessage): Promise<void>;
  retryLater(message: FailedMessage, error: string): Promise<void>;
  park(message: FailedMessage, error: string): Promise<void>;
}

export interface FailedMessageStoreOptions {
  tableName: string;
  client?: DynamoDBClient;
  clock?: Clock;
  backoff?: BackoffPolicy;
}

export const describeFailure = (f: { code: string; message: string }): string => `${f.code}: ${f.message}`;

export function createFailedMessageStore(options: FailedMessageStoreOptions): FailedMessageStore {
  const client = options.client ?? dynamoClient();
  const clock = options.clock ?? systemClock;
  const backoff = options.backoff ?? FAILED_MESSAGE_BACKOFF;
  const TableName = options.tableName;
  const nextAttemptAt = (attempts: number) => clock.now() + backoffDelay(attempts, backoff, clock.random);
  const expiresAt = () => Math.floor((clock.now() + FAILED_MESSAGE_RETENTION_MS) / 1000);

  // Two overlapping retrier runs may hold the same row: only the one that saw the current attempt count wins.
  const fenced = async (send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  };

  return {
    async keep(failure) {
      const now = clock.now();
      const status = failure.retryable ? 'DUE' : 'PARKED';
      const row = {
        event_id: failure.eventId,
        entry: JSON.stringify(failure.entry),
        error: describeFailure(failure),
        attempts: 1,
        next_attempt_at: nextAttemptAt(1),
        status,
        expires_at: expiresAt(),
        ...(status === 'DUE' ? { due: DUE } : { parked_at: now }),
      };
      await client.send(new PutItemCommand({ TableName, Item: marshall(row) }));
      return status;
    },

    async due(limit) {
      const now = clock.now();
      const ids = await idsFromSparseIndex(client, {
        table: TableName,
        index: DUE_INDEX,
        partition: { name: 'due', value: DUE },
        sortKey: { name: 'next_attempt_at', atMost: now },
        keyName: 'event_id',
        limit,
      });
      const rows = await readConsistent(client, TableName, 'event_id', ids, clock);
      return rows
        .filter((r) => r.status === 'DUE' && r.due === DUE && Number(r.next_attempt_at) <= now)
        .map((r) => ({
          eventId: String(r.event_id),
          entry: JSON.parse(String(r.entry)) as PutEventsRequestEntry,
          error: String(r.error ?? ''),
          attempts: Number(r.attempts ?? 0),
          nextAttemptAt: Number(r.next_attempt_at),
          status: 'DUE' as const,
        }))
        .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    },

    async remove(message) {
      await client.send(new DeleteItemCommand({ TableName, Key: marshall({ event_id: message.eventId }) }));
    },

    async retryLater(message, error) {
      const attempts = message.attempts + 1;
      await fenced(() =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: marshall({ event_id: message.eventId }),
            UpdateExpression: 'SET attempts = :n, next_attempt_at = :next, #error = :error',
            ConditionExpression: 'attempts = :seen AND #status = :due',
            ExpressionAttributeNames: { '#error': 'error', '#status': 'status' },
            ExpressionAttributeValues: marshall({ ':n': attempts, ':next': nextAttemptAt(attempts), ':error': error, ':seen': message.attempts, ':due': DUE }),
          }),
        ),
      );
    },

    async park(message, error) {
      await fenced(() =>
        client.send(
          new UpdateItemCommand({
            TableName,
            Key: marshall({ event_id: message.eventId }),
            // removing `due` takes the row out of the sparse index: nothing retries it until an operator acts
            UpdateExpression: 'SET attempts = :n, #status = :parked, parked_at = :now, #error = :error REMOVE #due',
            ConditionExpression: 'attempts = :seen AND #status = :due',
            ExpressionAttributeNames: { '#error': 'error', '#status': 'status', '#due': 'due' },
            ExpressionAttributeValues: marshall({ ':n': message.attempts + 1, ':parked': 'PARKED', ':now': clock.now(), ':error': error, ':seen': message.attempts, ':due': DUE }),
          }),
        ),
      );
    },
  };
}
