import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { pathToFileURL } from 'node:url';
import { sku as skuField } from '../functions/events/fields';
import { skuKey } from '../functions/inventory/stock-table';
import { dynamoClient } from '../functions/runtime/support/aws-clients';

/** What the demo starts with when no stock is given: a few plenty, one nearly sold out. */
export const DEFAULT_STOCK: Readonly<Record<string, number>> = {
  'SKU-RED-MUG': 100,
  'SKU-TEA': 500,
  'SKU-KETTLE': 25,
  'SKU-LAST-ONE': 1,
};

/**
 * Sets `available` for each sku in the stock table (PutItem, overwriting: seeding twice gives the same
 * stock). Reservations (`RES#` items) are left alone. Skus and amounts are checked first, so a typo
 * fails before anything is written instead of seeding an item no order can match.
 */
export async function seedInventory(tableName: string, stock: Readonly<Record<string, number>>, client: DynamoDBClient = dynamoClient()): Promise<void> {
  const entries = Object.entries(stock);
  for (const [sku, available] of entries) {
    if (!skuField().safeParse(sku).success) throw new Error(`"${sku}" is not a sku (upper-case letters, digits and dashes)`);
    if (!Number.isSafeInteger(available) || available < 0) throw new Error(`${sku}: available must be a non-negative integer, got ${available}`);
  }
  for (const [sku, available] of entries) {
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshall({ pk: skuKey(sku), sku, available }) }));
  }
}

/** `SKU=available` arguments → stock; none → DEFAULT_STOCK. */
export function parseStockArgs(args: readonly string[]): Record<string, number> {
  if (args.length === 0) return { ...DEFAULT_STOCK };
  return Object.fromEntries(
    args.map((arg) => {
      const match = /^([^=]+)=(\d+)$/.exec(arg);
      if (!match) throw new Error(`expected SKU=available, got "${arg}"`);
      return [match[1]!, Number(match[2])];
    }),
  );
}

// tsx scripts/seed-inventory.ts <stock-table> [SKU=available ...]   (AWS_ENDPOINT_URL selects the local engine)
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [table, ...args] = process.argv.slice(2);
  if (!table) {
    console.error('usage: tsx scripts/seed-inventory.ts <stock-table> [SKU=available ...]');
    process.exit(2);
  }
  const stock = parseStockArgs(args);
  await seedInventory(table, stock);
  console.log(`seeded ${table}: ${Object.entries(stock).map(([s, n]) => `${s}=${n}`).join(' ')}`);
}
