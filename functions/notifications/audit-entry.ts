import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { EventEnvelope, MetadataFields } from 'courier/contracts';
import { auditPk } from './keys';

/**
 * The audit table is append-only: `pk` = `<detail-type>#<event_id>`, `detail_type`, `source`,
 * `event_id`, `occurred_at`, `correlation_id`, `detail` (M, the whole validated detail), `recorded_at`.
 * The Put never overwrites: an entry, once written, is what was received.
 */
export function auditWrite(table: string, event: EventEnvelope<MetadataFields>, now: Date): TransactWriteItem {
  const { detail } = event;
  return {
    Put: {
      TableName: table,
      Item: marshall(
        {
          pk: auditPk(event.detailType, detail.event_id),
          detail_type: event.detailType,
          source: event.source,
          event_id: detail.event_id,
          occurred_at: detail.occurred_at,
          correlation_id: detail.correlation_id,
          detail,
          recorded_at: now.toISOString(),
        },
        { removeUndefinedValues: true },
      ),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
