import {
  ConditionalCheckFailedException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { BusinessConditionFailed, PermanentError } from './errors.js';

/** TransactWriteItems takes at most 100 items; one is the idempotency marker. */
export const MAX_WRITES = 99;

export type CommitResult =
  | { status: 'committed' }
  /**
   * The marker's condition failed: another delivery owns (or completed) the record; nothing was applied.
   * `holder`: the marker as it was, when the marker asked for it (ALL_OLD).
   */
  | { status: 'lease_lost'; holder?: Record<string, AttributeValue> }
  /** One of the handler's conditions failed; nothing was applied. */
  | { status: 'condition_failed'; error: BusinessConditionFailed };

/**
 * Commits the handler's writes and the completion marker in one TransactWriteItems, so the effect and
 * "done" are recorded together or not at all: a duplicate can never apply the writes twice. A marker
 * put without writes (optimistic mode, nothing to write) goes alone as a conditional PutItem (1 write
 * unit instead of a transaction's 2). Cancellations other than a failed condition (conflict,
 * throttling) are thrown: transient, nothing applied.
 */
export async function commitWithMarker(
  client: DynamoDBClient,
  writes: readonly TransactWriteItem[],
  marker: TransactWriteItem | undefined,
  signal?: AbortSignal,
): Promise<CommitResult> {
  if (writes.length > MAX_WRITES) throw new PermanentError(`exactly-once mode takes at most ${MAX_WRITES} writes, got ${writes.length}`);
  const items = marker ? [...writes, marker] : [...writes];
  if (items.length === 0) return { status: 'committed' };
  if (writes.length === 0 && marker?.Put) return putMarker(client, marker.Put, signal);
  try {
    await client.send(new TransactWriteItemsCommand({ TransactItems: items }), { abortSignal: signal });
    return { status: 'committed' };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    // The marker is last; its failure wins: whatever else failed, this delivery no longer owns the record.
    const markerReason = marker ? reasons[writes.length] : undefined;
    if (markerReason?.Code === 'ConditionalCheckFailed') return { status: 'lease_lost', holder: markerReason.Item };
    const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
    if (index === -1) throw error;
    const reason = reasons[index]!;
    const item = reason.Item ? unmarshall(reason.Item) : undefined;
    const message = `condition on write ${index} failed${reason.Message ? `: ${reason.Message}` : ''}`;
    return { status: 'condition_failed', error: new BusinessConditionFailed(index, item, message) };
  }
}

async function putMarker(client: DynamoDBClient, put: NonNullable<TransactWriteItem['Put']>, signal?: AbortSignal): Promise<CommitResult> {
  try {
    await client.send(new PutItemCommand(put), { abortSignal: signal });
    return { status: 'committed' };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { status: 'lease_lost', holder: error.Item };
  }
}
