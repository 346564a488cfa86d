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
export { AlarmTopic, notify, type AlarmTopicProps } from './alarm-topic.js';
export { Consumer, validateConsumerProps, type ConsumerAlarms, type ConsumerProps, type ConsumerSettings } from './consumer.js';
export { consumerRulePattern, type ReplayAcceptance, type RulePatternInput } from './consumer-rule-pattern.js';
export { CourierFunction, type CourierFunctionProps, type FunctionCode } from './courier-function.js';
export { resolveDeploymentTarget, type DeploymentTarget } from './deployment-target.js';
export { acceptOnlyFromRule, acknowledgeKeyGrants, tableEncryption } from './encryption.js';
export { EventBus, grantPublishTo, type EventBusProps, type PublisherAccounts } from './event-bus.js';
export { FailedMessageStore, type FailedMessageStoreProps } from './failed-message-store.js';
export { grantMarkers, IdempotencyTable, type IdempotencyTableProps } from './idempotency-table.js';
export { MessagingStack, type MessagingResources, type MessagingStackProps } from './messaging-stack.js';
export { Outbox, validateOutboxProps, type OutboxProps } from './outbox.js';
export { DLQ_RETENTION, secureQueue, type SecureQueueOptions } from './queues.js';
export {
  ApiAuthorization,
  ON_BEHALF_OF_PERMISSION,
  ServiceApi,
  type IamAuthorizationOptions,
  type JwtAuthorizationOptions,
  type ServiceApiProps,
  type ServiceApiRoute,
} from './service-api.js';
export { ServiceDashboard, type ServiceDashboardProps } from './service-dashboard.js';
export { ServiceStack, type BusinessTableOptions, type ConsumerOptions, type ServiceStackProps } from './service-stack.js';
export { grantTable, grantTableKey, type TableGrant } from './table-access.js';
export { toolkitAsset, type ToolkitHandler } from './toolkit-assets.js';
