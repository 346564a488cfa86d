import type { App } from 'aws-cdk-lib';
import { MessagingStack, type DeploymentTarget, type ServiceStackProps } from 'courier/constructs';
import { InventoryStack } from './inventory-stack';
import { NotificationsStack } from './notifications-stack';
import { OrdersStack } from './orders-stack';
import { PointsStack } from './points-stack';
import { RiskStack } from './risk-stack';

export interface ReferenceAppOptions {
  target: DeploymentTarget;
  /** Email subscribed to the alarm topic. @default - none */
  alarmEmail?: string;
  /** Extra settings for every service stack (the local deployment's fault injection). @default - none */
  instrumentation?: Pick<ServiceStackProps, 'bundling' | 'toolkitCode'>;
}

/**
 * The reference system's stacks on `app`: the messaging stack (bus, archive, alarm topic) and one
 * ServiceStack per service, all sharing the bus and the alarm topic.
 */
export function buildReferenceApp(app: App, options: ReferenceAppOptions) {
  const { target } = options;
  const messaging = new MessagingStack(app, 'CourierMessaging', { env: target.env, archive: target.archive, alarmEmail: options.alarmEmail });
  const service = { env: target.env, messaging, tableRemovalPolicy: target.tableRemovalPolicy, ...options.instrumentation };
  return {
    messaging,
    orders: new OrdersStack(app, 'CourierOrders', service),
    inventory: new InventoryStack(app, 'CourierInventory', service),
    risk: new RiskStack(app, 'CourierRisk', service),
    points: new PointsStack(app, 'CourierPoints', service),
    notifications: new NotificationsStack(app, 'CourierNotifications', service),
  };
}
