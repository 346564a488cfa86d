import { TransactionCanceledException, TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { dynamoClient } from '../support/aws-clients.js';
import { systemClock, type Clock } from '../support/backoff.js';
import { buildEvent, type OutgoingEvent, type StoredEntry } from '../publish/outgoing.js';
import { outboxItem } from './table.js';

/** DynamoDB's limit on actions in one TransactWriteItems. */
export const TRANSACT_MAX_ITEMS = 100;

/** Why one item of a cancelled transaction stopped it, as `TransactionCancelled.reasons` lists them. */
export interface CancelledItem {
  /** Position in the transaction: business items first, then one outbox row per event. */
  index: number;
  operation: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  table: string;
  /** The item's key where the request names one; for Puts, the outbox row's event_id. */
  key?: Record<string, unknown>;
  /** Set when the item is an outbox row. */
  eventId?: string;
  /** `ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`, ... */
  code: string;
  message?: string;
}

/**
 * A cancelled transaction, saying which item stopped it and why (DynamoDB reports a list of codes):
 * what `transactWithOutbox` throws when a business condition (or a conflict) cancels it.
 *
 * @example
 * try {
 *   await transactWithOutbox({ outboxTable: OUTBOX_TABLE, items: [cancelIfLive], events: [cancelled] });
 * } catch (error) {
 *   if (error instanceof TransactionCancelled && error.conditionFailed(0)) throw new HttpError(409, `order ${orderId} is no longer cancellable`);
 *   throw error;
 * }
 */
export class TransactionCancelled extends Error {
  override readonly name = 'TransactionCancelled';
  constructor(readonly reasons: CancelledItem[], options?: ErrorOptions) {
    super(`transaction cancelled: ${reasons.map(describe).join('; ') || 'no reason given'}`, options);
  }

  /** True when the condition on item `index` failed (e.g. "order does not exist yet" → 409). */
  conditionFailed(index: number): boolean {
    return this.reasons.some((r) => r.index === index && r.code === 'ConditionalCheckFailed');
  }
}

function describe(r: CancelledItem): string {
  const which = r.eventId ? `outbox row ${r.eventId}` : r.key ? `key ${JSON.stringify(r.key)}` : 'item';
  return `item ${r.index} (${r.operation} on ${r.table}, ${which}): ${r.code}${r.message ? ` (${r.message})` : ''}`;
}

/**
 * Writes the business items and one outbox row per event in a single TransactWriteItems: the state
 * change and its announcement commit together or not at all. Events are validated first (a
 * ContractViolation writes nothing). Business conditions stay as the caller wrote them; each outbox row
 * must not exist yet. The SDK fills ClientRequestToken, so its own retries of the call are idempotent.
 * Returns the built events (their event_ids) in order. At most 100 items in all (DynamoDB's limit).
 *
 * @example
 * const [stored] = await transactWithOutbox({
 *   outboxTable: OUTBOX_TABLE,
 *   items: [{ Put: { TableName: ORDERS_TABLE, Item: marshall(order), ConditionExpression: 'attribute_not_exists(pk)' } }],
 *   events: [outgoing(OrderCreatedV1, payload, { correlationId })],
 * });
 * log.info('order stored', { event_id: stored!.eventId });
 */
export async function transactWithOutbox(options: {
  outboxTable: string;
  items: readonly TransactWriteItem[];
  events: readonly OutgoingEvent[];
  client?: DynamoDBClient;
  clock?: Clock;
}): Promise<StoredEntry[]> {
  const { writes, stored } = outboxWrites(options.outboxTable, options.events, (options.clock ?? systemClock).now());
  const TransactItems: TransactWriteItem[] = [...options.items, ...writes];
  if (TransactItems.length > TRANSACT_MAX_ITEMS) {
    throw new Error(`transaction has ${TransactItems.length} items (${options.items.length} business + ${stored.length} outbox); DynamoDB allows ${TRANSACT_MAX_ITEMS}`);
  }

  try {
    await (options.client ?? dynamoClient()).send(new TransactWriteItemsCommand({ TransactItems }));
  } catch (error) {
    if (error instanceof TransactionCanceledException) throw new TransactionCancelled(cancelledItems(TransactItems, error, options.items.length), { cause: error });
    throw error;
  }
  return stored;
}

/**
 * Builds and validates events and renders one outbox-row Put each (a row must not exist yet). For
 * writers that commit them in their own transaction, e.g. a consumer's exactly-once writes.
 *
 * @example
 * // an exactly-once handler: the award, the balance and the announcement commit with its marker
 * const awarded = outgoing(PointsAwardedV1, { order_id, user_id, points, balance }, { correlationId: order.correlation_id, causationId: order.event_id });
 * return { writes: [awardPut, balanceUpdate, ...outboxWrites(OUTBOX_TABLE, [awarded]).writes] };
 */
export function outboxWrites(outboxTable: string, events: readonly OutgoingEvent[], now: number = Date.now()): { writes: TransactWriteItem[]; stored: StoredEntry[] } {
  const built = events.map((e) => buildEvent(e, now));
  for (const b of built) if (!b.ok) throw b.error;
  const stored = built.map((b) => b.value);
  const writes = stored.map((s) => ({
    Put: { TableName: outboxTable, Item: outboxItem(s, now), ConditionExpression: 'attribute_not_exists(event_id)' },
  }));
  return { writes, stored };
}

/** CancellationReasons come back in request order, `None` for items that were not the cause. */
function cancelledItems(items: TransactWriteItem[], error: TransactionCanceledException, businessCount: number): CancelledItem[] {
  return (error.CancellationReasons ?? []).flatMap((reason, index) => {
    if (!reason.Code || reason.Code === 'None') return [];
    const item = items[index];
    const operation = (['Put', 'Update', 'Delete', 'ConditionCheck'] as const).find((op) => item?.[op]) ?? 'Put';
    const action = item?.[operation];
    const key = action && 'Key' in action && action.Key ? unmarshall(action.Key) : undefined;
    const eventId = index >= businessCount ? item?.Put?.Item?.event_id?.S : undefined;
    return [{ index, operation, table: action?.TableName ?? '?', key, eventId, code: reason.Code, message: reason.Message }];
  });
}
