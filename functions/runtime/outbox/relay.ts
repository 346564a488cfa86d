import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { describeFailure } from '../publish/failed-message-store.js';
import type { Publisher } from '../publish/publisher.js';
import { republish } from '../publish/republish.js';
import { parkRow } from './sweeper.js';
import type { OutboxTable } from './table.js';

/**
 * Handler for the outbox table's stream: publishes rows that were just inserted as PENDING and marks them
 * PUBLISHED; a row the bus refuses permanently is parked with its reason at once (retrying cannot help,
 * and it must not hold up the stream). Redelivery is harmless: rows are re-read consistently and anything
 * no longer PENDING is skipped. On a retryable failure it reports the first failed record's sequence
 * number; the stream then retries from there, so later records come back too and are skipped if they
 * went out. `outboxRelayFromEnv` builds it from the environment; this is for explicit wiring.
 *
 * @example
 * export const handler = createOutboxRelay({ table: createOutboxTable({ tableName: 'orders-outbox' }), publisher: createPublisher({ busName: 'courier-bus' }) });
 */
export function createOutboxRelay(deps: { table: OutboxTable; publisher: Publisher }) {
  const { table, publisher } = deps;

  return async function relay(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    // MODIFY (marked published) and REMOVE (TTL) records need nothing.
    const inserted = event.Records.flatMap((r) => {
      const eventId = r.dynamodb?.NewImage?.event_id?.S;
      const sequenceNumber = r.dynamodb?.SequenceNumber;
      return r.eventName === 'INSERT' && r.dynamodb?.NewImage?.status?.S === 'PENDING' && eventId && sequenceNumber ? [{ eventId, sequenceNumber }] : [];
    });
    if (inserted.length === 0) return { batchItemFailures: [] };

    const done = new Set<string>();
    try {
      const rows = await table.stillPending(inserted.map((r) => r.eventId));
      const pendingIds = new Set(rows.map((r) => r.eventId));
      for (const r of inserted) if (!pendingIds.has(r.eventId)) done.add(r.eventId);
      const outcomes = await republish(publisher, rows, async (row, result) => {
        if (result.status === 'published') await table.markPublished(row);
        else if (!result.retryable) await parkRow(table, publisher, row, describeFailure(result));
        else return 'retry' as const;
        return 'done' as const;
      });
      for (const o of outcomes) if (o.recorded && o.outcome === 'done') done.add(o.item.eventId);
    } catch (error) {
      publisher.logger.error('outbox relay batch failed', { error });
    } finally {
      publisher.metrics.flush();
    }

    const firstFailed = inserted.find((r) => !done.has(r.eventId));
    if (firstFailed) publisher.logger.warn('outbox relay: retrying from sequence number', { sequence_number: firstFailed.sequenceNumber, failed: inserted.filter((r) => !done.has(r.eventId)).length });
    return { batchItemFailures: firstFailed ? [{ itemIdentifier: firstFailed.sequenceNumber }] : [] };
  };
}
