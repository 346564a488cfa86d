import type { ServiceMap } from 'courier/contracts';
import { ConfigChangedV1 } from './config';
import { UserLoginSucceededV1 } from './identity';
import { InventoryRejectedV1, InventoryReleasedV1, InventoryReservedV1 } from './inventory';
import { OrderCancelledV1, OrderCreatedV1 } from './orders';
import { PointsAwardedV1, PointsRevokedV1 } from './points';
import { RiskAssessedV1 } from './risk';

/**
 * Who publishes and who consumes each event. The AsyncAPI document is generated from it and the infra
 * tests check that the deployed rules match it, so it cannot drift from what runs.
 */
export const services: ServiceMap = {
  orders: {
    description: 'HTTP API for orders; tracks each order’s progress from the reply events, and its compensations from what the services report they undid.',
    publishes: [OrderCreatedV1, OrderCancelledV1],
    consumes: [InventoryReservedV1, InventoryRejectedV1, RiskAssessedV1, PointsAwardedV1, InventoryReleasedV1, PointsRevokedV1],
  },
  inventory: {
    description: 'Reserves and releases stock.',
    publishes: [InventoryReservedV1, InventoryRejectedV1, InventoryReleasedV1],
    consumes: [OrderCreatedV1, OrderCancelledV1],
  },
  risk: {
    description: 'Scores orders for fraud risk.',
    publishes: [RiskAssessedV1],
    consumes: [OrderCreatedV1],
  },
  points: {
    description: 'Awards loyalty points exactly once per order; revokes them on cancel.',
    publishes: [PointsAwardedV1, PointsRevokedV1],
    consumes: [OrderCreatedV1, OrderCancelledV1],
  },
  identity: {
    description: 'Announces sign-ins (POST /logins on the notifications API; deployed in the notifications stack).',
    publishes: [UserLoginSucceededV1],
    consumes: [],
  },
  config: {
    description: 'Stores configuration and announces changes (PUT /config/{key}; deployed in the notifications stack).',
    publishes: [ConfigChangedV1],
    consumes: [],
  },
  notifications: {
    description: 'Broadcast subscribers: an append-only audit log, a per-user sign-in counter and a config cache.',
    publishes: [],
    consumes: [UserLoginSucceededV1, ConfigChangedV1],
  },
};
