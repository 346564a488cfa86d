import * as z from 'zod/mini';
import type { EventDefinition } from './define.js';

/**
 * The JSON Schema of an event's whole `detail`, for consumers in other languages and for the
 * compatibility guard. A function apart from `defineEvent`, so that Lambda bundles, which validate with
 * the zod schema and never need the JSON Schema generator, leave it out.
 *
 * @example
 * writeFileSync('contracts/shipment.dispatched.v1.schema.json', JSON.stringify(jsonSchemaOf(ShipmentDispatchedV1), null, 2));
 */
export function jsonSchemaOf(event: EventDefinition<any, any>): Record<string, unknown> {
  return {
    ...z.toJSONSchema(event.schema),
    $id: `https://courier.dev/contracts/${event.detailType}.schema.json`,
    title: event.detailType,
    description: event.description,
    'x-source': event.source,
  };
}
