import { consumer, requiredEnv } from 'courier/runtime';
import { ShipmentDispatchedV1 } from '../events.js';

const table = requiredEnv('SEQUENCE_TABLE');

/**
 * FIFO: appends each shipment's sequence number to its order's list, in arrival order. A sequence of
 * 13 fails (a stand-in for a bug), so the group's later records must wait until it succeeds.
 */
export const handler = consumer({
  events: [ShipmentDispatchedV1],
  handle: async ({ detail }, { receiveCount }) => {
    if (detail.sequence === 13 && receiveCount < 2) throw new Error('sequence 13 fails on its first delivery');
    return {
      writes: [
        {
          Update: {
            TableName: table,
            Key: { pk: { S: `ORDER#${detail.order_id}` } },
            UpdateExpression: 'SET #seq = list_append(if_not_exists(#seq, :empty), :one)',
            ExpressionAttributeNames: { '#seq': 'sequence' },
            ExpressionAttributeValues: { ':empty': { L: [] }, ':one': { L: [{ N: String(detail.sequence) }] } },
          },
        },
      ],
    };
  },
});
