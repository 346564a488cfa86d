import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_STOCK, parseStockArgs, seedInventory } from '../../../scripts/seed-inventory';

const ddb = mockClient(DynamoDBClient);
const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
beforeEach(() => {
  ddb.reset();
  ddb.on(PutItemCommand).resolves({});
});
const puts = () => ddb.commandCalls(PutItemCommand).map((c) => c.args[0].input);

describe('seedInventory', () => {
  it('puts one SKU# item per sku with its available stock, unconditionally (seeding twice gives the same stock)', async () => {
    await seedInventory('stock', { 'SKU-TEA': 5, 'SKU-RED-MUG': 0 }, client);
    expect(puts().map((p) => [p.TableName, unmarshall(p.Item!)])).toEqual([
      ['stock', { pk: 'SKU#SKU-TEA', sku: 'SKU-TEA', available: 5 }],
      ['stock', { pk: 'SKU#SKU-RED-MUG', sku: 'SKU-RED-MUG', available: 0 }],
    ]);
    expect(puts().every((p) => p.ConditionExpression === undefined)).toBe(true);
  });

  it('checks every sku and amount before writing anything', async () => {
    await expect(seedInventory('stock', { 'SKU-TEA': 5, 'sku-lower': 1 }, client)).rejects.toThrow('"sku-lower" is not a sku');
    await expect(seedInventory('stock', { 'SKU-TEA': -1 }, client)).rejects.toThrow('non-negative integer');
    await expect(seedInventory('stock', { 'SKU-TEA': 1.5 }, client)).rejects.toThrow('non-negative integer');
    expect(puts()).toEqual([]);
  });

  it('reads SKU=available arguments, defaulting to DEFAULT_STOCK', () => {
    expect(parseStockArgs(['SKU-TEA=3', 'SKU-KETTLE=0'])).toEqual({ 'SKU-TEA': 3, 'SKU-KETTLE': 0 });
    expect(parseStockArgs([])).toEqual(DEFAULT_STOCK);
    expect(() => parseStockArgs(['SKU-TEA'])).toThrow('expected SKU=available');
  });
});
