import { inject } from 'vitest';
import { clearState } from '../../scripts/local/state';
import { connect, type LocalSystem } from '../../scripts/local/system';
import { seedInventory } from '../../scripts/seed-inventory';

/**
 * The deployed system for one e2e file: connected to the engine the global setup deployed to, with every
 * queue and table emptied first (cheaper than redeploying) and the given stock seeded.
 */
export async function freshSystem(stock: Record<string, number>): Promise<LocalSystem> {
  const sys = await connect(inject('endpoint'));
  await clearState(sys.deployment, sys.clients.sqs, sys.clients.dynamodb);
  await seedInventory(sys.tables.stock, stock, sys.clients.dynamodb);
  return sys;
}
