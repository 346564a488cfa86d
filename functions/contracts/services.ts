import type { EventDefinition } from './define.js';

/** What one service publishes and consumes. */
export interface ServiceContract {
  description: string;
  publishes: readonly EventDefinition[];
  consumes: readonly EventDefinition[];
}

/**
 * An app's map of services to the events they publish and consume: the AsyncAPI document is built from
 * it, and `ServiceStack.addConsumer` refuses a consumer of an event its service does not list.
 *
 * @example
 * export const services: ServiceMap = {
 *   shipping: { description: 'Ships orders.', publishes: [ShipmentDispatchedV1], consumes: [] },
 * };
 */
export type ServiceMap = Readonly<Record<string, ServiceContract>>;

/**
 * The event sources a service publishes according to `services` (each once, in catalog order): what its
 * functions are allowed to put on the bus (`events:source`).
 *
 * @example
 * publishedSources(services, 'orders'); // ['courier.orders']
 */
export function publishedSources(services: ServiceMap, service: string): string[] {
  const contract = services[service];
  if (!contract) throw new Error(`service ${service} is not in the services map (known: ${Object.keys(services).join(', ')})`);
  return [...new Set(contract.publishes.map((e) => e.source))];
}
