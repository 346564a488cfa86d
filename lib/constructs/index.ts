/**
 * `courier/constructs`: CDK constructs with courier's safe defaults — the bus, consumers, outbox,
 * failed-message store, HTTP API, alarms and dashboard — and the stacks that group them
 * (aws-cdk-lib and constructs are peer dependencies).
 *
 * @example
 * const messaging = new MessagingStack(app, 'ShippingMessaging');
 * const shipping = new ServiceStack(app, 'Shipping', { serviceName: 'shipping', messaging });
 * shipping.addConsumer('shipping-dispatch', { events: [OrderPaidV1], entry: 'src/dispatch.ts' });
 */
export * from './alarm-topic.js';
export * from './alarms.js';
export * from './bundling.js';
export * from './consumer.js';
export * from './consumer-rule-pattern.js';
export * from './courier-function.js';
export * from './deployment-target.js';
export * from './discovery.js';
export * from './encryption.js';
export * from './event-bus.js';
export * from './failed-message-store.js';
export * from './idempotency-table.js';
export * from './messaging-stack.js';
export * from './outbox.js';
export * from './queues.js';
export * from './service-api.js';
export * from './service-dashboard.js';
export * from './service-stack.js';
export * from './table-access.js';
export { TOOLKIT_HANDLERS, toolkitAsset, type ToolkitHandler } from './toolkit-assets.js';
