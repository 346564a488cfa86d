import type { App } from 'aws-cdk-lib';
import { MessagingStack, type ApiAuthorization, type DeploymentTarget, type ServiceStackProps } from 'courier/constructs';
import { InventoryStack } from './inventory-stack';
import { NotificationsStack } from './notifications-stack';
import { OrdersStack } from './orders-stack';
import { PointsStack } from './points-stack';
import { RiskStack } from './risk-stack';

export interface ReferenceAppOptions {
  target: DeploymentTarget;
  /** Every stack id starts `<stage>-`: two stages deploy side by side. @default 'dev' */
  stage?: string;
  /** The app's stack prefix after the stage (cdk.json context.courier.app). @default 'Courier' */
  appName?: string;
  /** Email subscribed to the alarm topic. @default - none */
  alarmEmail?: string;
  /** How the HTTP APIs authenticate callers. @default - IAM (SigV4) */
  apiAuthorization?: ApiAuthorization;
  /** Extra settings for every service stack (the local deployment's fault injection). @default - none */
  instrumentation?: Pick<ServiceStackProps, 'bundling' | 'toolkitCode'>;
}

/**
 * The reference system's stacks on `app`, named `<stage>-<app><Component>` (`dev-CourierOrders`): the
 * messaging stack (bus, archive, alarm topic) and one ServiceStack per service, all sharing the bus and
 * the alarm topic.
 */
export function buildReferenceApp(app: App, options: ReferenceAppOptions) {
  const { target } = options;
  const id = (component: string) => `${options.stage ?? 'dev'}-${options.appName ?? 'Courier'}${component}`;
  const messaging = new MessagingStack(app, id('Messaging'), { env: target.env, archive: target.archive, alarmEmail: options.alarmEmail });
  const service = { env: target.env, messaging, tableRemovalPolicy: target.tableRemovalPolicy, ...options.instrumentation };
  return {
    messaging,
    orders: new OrdersStack(app, id('Orders'), { ...service, apiAuthorization: options.apiAuthorization }),
    inventory: new InventoryStack(app, id('Inventory'), service),
    risk: new RiskStack(app, id('Risk'), service),
    points: new PointsStack(app, id('Points'), service),
    notifications: new NotificationsStack(app, id('Notifications'), { ...service, apiAuthorization: options.apiAuthorization }),
  };
}
