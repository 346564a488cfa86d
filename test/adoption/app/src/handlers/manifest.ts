import { consumer, requiredEnv } from 'courier/runtime';
import { ManifestUploaded } from '../events.js';

const table = requiredEnv('MANIFEST_TABLE');

/** Records each uploaded manifest once (keyed by the S3 object's sequencer), and only as a new item. */
export const handler = consumer({
  events: [ManifestUploaded],
  handle: async ({ detail }) => ({
    writes: [
      {
        Put: {
          TableName: table,
          Item: { pk: { S: `MANIFEST#${detail.object.key}` }, bucket: { S: detail.bucket.name } },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ],
  }),
});
