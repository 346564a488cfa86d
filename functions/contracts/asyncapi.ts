import type { EventDefinition } from './define.js';
import { jsonSchemaOf } from './json-schema.js';
import type { ServiceMap } from './services.js';

/** What `buildAsyncApi` describes: the events on one bus and the services that publish and consume them. */
export interface AsyncApiOptions {
  /** Every event version on the bus. */
  catalog: readonly EventDefinition[];
  /** Who publishes and consumes what; one send/receive operation per entry. */
  services: ServiceMap;
  /**
   * Document title.
   * @default 'courier event bus'
   */
  title?: string;
  /**
   * Bus name shown in the server and channel descriptions.
   * @default 'courier-bus'
   */
  busName?: string;
}

/**
 * AsyncAPI 3 description of a bus: one channel per detail-type (its address on the bus), one message
 * per event version with its JSON Schema inlined, and a send/receive operation per service.
 *
 * @example
 * const doc = buildAsyncApi({ catalog: [ShipmentDispatchedV1], services: { shipping: { description: 'Ships', publishes: [ShipmentDispatchedV1], consumes: [] } } });
 * writeFileSync('contracts/asyncapi.json', JSON.stringify(doc, null, 2));
 */
export function buildAsyncApi(options: AsyncApiOptions): Record<string, unknown> {
  const { catalog, services } = options;
  const BUS = options.busName ?? 'courier-bus';
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const event of catalog) {
    const name = messageName(event.detailType);
    const { $schema: _dialect, ...schema } = jsonSchemaOf(event);
    schemas[name] = schema;
    messages[name] = {
      name: event.detailType,
      title: event.detailType,
      summary: event.description,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${name}` },
      bindings: { 'x-eventbridge': { source: event.source, 'detail-type': event.detailType } },
    };
    channels[name] = {
      address: event.detailType,
      title: `${event.detailType} on ${BUS}`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
  }

  const operations: Record<string, unknown> = {};
  for (const [service, contract] of Object.entries(services)) {
    for (const [action, events] of [['send', contract.publishes], ['receive', contract.consumes]] as const) {
      for (const event of events) {
        const name = messageName(event.detailType);
        operations[`${service}.${action}.${name}`] = {
          action,
          summary: `${service} ${action === 'send' ? 'publishes' : 'consumes'} ${event.detailType}`,
          channel: { $ref: `#/channels/${name}` },
          messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
          tags: [{ name: service }],
        };
      }
    }
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: options.title ?? 'courier event bus',
      version: '1.0.0',
      description:
        'Events on the courier EventBridge bus. Each message is the `detail` of an EventBridge event whose ' +
        '`detail-type` is the channel address. `detail.event_id` (UUIDv7) is the idempotency key.',
    },
    defaultContentType: 'application/json',
    servers: {
      aws: {
        host: 'events.{region}.amazonaws.com',
        protocol: 'https',
        description: `Amazon EventBridge custom bus "${BUS}"`,
        variables: { region: { default: 'us-east-1' } },
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
}

/** `order.created.v1` → `orderCreatedV1`: AsyncAPI keys must be plain identifiers. */
function messageName(detailType: string): string {
  return detailType.replace(/[._]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
