/**
 * An EventBridge event as a consumer receives it: the envelope fields EventBridge sets and the `detail`
 * after validation against its declared event.
 *
 * @example
 * const onDispatched = async (event: EventEnvelope<DetailOf<typeof ShipmentDispatchedV1>>) => event.detail.shipment_id;
 */
export interface EventEnvelope<D = unknown, DT extends string = string> {
  /** EventBridge's id. It changes when a producer re-sends an entry, so it is no idempotency key for courier events. */
  id: string;
  source: string;
  detailType: DT;
  time: string;
  /** Set by EventBridge on every event; absent in hand-made test events. */
  account?: string;
  region?: string;
  resources?: string[];
  detail: D;
}
