import type { EventDefinition } from 'courier/contracts';
import { ConfigChangedV1 } from './config';
import { UserLoginSucceededV1 } from './identity';
import { InventoryRejectedV1, InventoryReleasedV1, InventoryReservedV1 } from './inventory';
import { OrderCancelledV1, OrderCreatedV1 } from './orders';
import { PointsAwardedV1, PointsRevokedV1 } from './points';
import { RiskAssessedV1 } from './risk';

/** Every published event version. A new incompatible shape is a new entry (v2), never an edit. */
export const catalog: readonly EventDefinition[] = [
  OrderCreatedV1,
  OrderCancelledV1,
  InventoryReservedV1,
  InventoryRejectedV1,
  InventoryReleasedV1,
  RiskAssessedV1,
  PointsAwardedV1,
  PointsRevokedV1,
  UserLoginSucceededV1,
  ConfigChangedV1,
];

const byDetailType = new Map(catalog.map((e) => [e.detailType, e]));

export function findEvent(detailType: string): EventDefinition | undefined {
  return byDetailType.get(detailType);
}
