import type { EventDefinition } from './define';
import { ConfigChangedV1 } from './config';
import { UserLoginSucceededV1 } from './identity';
import { InventoryRejectedV1, InventoryReservedV1 } from './inventory';
import { OrderCancelledV1, OrderCreatedV1 } from './orders';
import { PointsAwardedV1 } from './points';
import { RiskAssessedV1 } from './risk';

export interface ServiceContract {
  description: string;
  publishes: readonly EventDefinition[];
  consumes: readonly EventDefinition[];
}

/**
 * Who publishes and who consumes each event. The AsyncAPI document is generated from it and the infra
 * tests check that the deployed rules match it, so it cannot drift from what runs.
 */
export const services: Readonly<Record<string, ServiceContract>> = {
  orders: {
    description: 'HTTP API for orders; tracks each order’s progress from the reply events.',
    publishes: [OrderCreatedV1, OrderCancelledV1],
    consumes: [InventoryReservedV1, InventoryRejectedV1, RiskAssessedV1, PointsAwardedV1],
  },
  inventory: {
    description: 'Reserves and releases stock.',
    publishes: [InventoryReservedV1, InventoryRejectedV1],
    consumes: [OrderCreatedV1, OrderCancelledV1],
  },
  risk: {
    description: 'Scores orders for fraud risk.',
    publishes: [RiskAssessedV1],
    consumes: [OrderCreatedV1],
  },
  points: {
    description: 'Awards loyalty points exactly once per order; revokes them on cancel.',
    publishes: [PointsAwardedV1],
    consumes: [OrderCreatedV1, OrderCancelledV1],
  },
  identity: {
    description: 'Announces sign-ins (triggered from the HTTP API).',
    publishes: [UserLoginSucceededV1],
    consumes: [],
  },
  config: {
    description: 'Announces configuration changes (triggered from the HTTP API).',
    publishes: [ConfigChangedV1],
    consumes: [],
  },
  audit: {
    description: 'Append-only audit log of sign-ins and configuration changes.',
    publishes: [],
    consumes: [UserLoginSucceededV1, ConfigChangedV1],
  },
  'login-counter': {
    description: 'Counts sign-ins per user.',
    publishes: [],
    consumes: [UserLoginSucceededV1],
  },
  'config-cache': {
    description: 'Keeps the current value of every configuration key.',
    publishes: [],
    consumes: [ConfigChangedV1],
  },
};
