import * as z from 'zod/mini';
import { defineEvent, foreignEvent, id } from 'courier/contracts';

/** The shipping team's own event. */
export const ShipmentDispatchedV1 = defineEvent({
  source: 'acme.shipping',
  detailType: 'shipment.dispatched.v1',
  description: 'A parcel left the warehouse.',
  payload: { shipment_id: id(), order_id: id(), carrier: z.string(), sequence: z.int() },
});

/** An AWS service event: S3 announces a new object (a carrier's manifest upload). */
export const ManifestUploaded = foreignEvent({
  source: 'aws.s3',
  detailType: 'Object Created',
  detail: z.looseObject({ bucket: z.object({ name: z.string() }), object: z.looseObject({ key: z.string(), sequencer: z.string() }) }),
  // S3 gives every object version its own sequencer; a redelivery carries the same one.
  key: (event) => `${event.detail.bucket.name}/${event.detail.object.key}/${event.detail.object.sequencer}`,
});
