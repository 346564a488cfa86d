import { consumer, requiredEnv } from 'courier/runtime';
import { ShipmentDispatchedV1 } from '../events.js';

const table = requiredEnv('DISPATCH_TABLE');

/** Records each dispatched shipment once: its write commits with the idempotency marker, and only as a new item. */
export const handler = consumer({
  events: [ShipmentDispatchedV1],
  handle: async ({ detail }) => ({
    writes: [
      {
        Put: {
          TableName: table,
          Item: { pk: { S: `SHIPMENT#${detail.shipment_id}` }, carrier: { S: detail.carrier }, order_id: { S: detail.order_id } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ],
  }),
});
