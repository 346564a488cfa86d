import { describe, expect, it } from 'vitest';
import { InventoryStack } from '../../lib/stacks/inventory-stack';
import { nagFindings } from './helpers';
import { synthService } from './service-stacks';

const { stack, resources, outputs, ref, propsOf, actionsOn, actionsOf } = synthService(InventoryStack, 'CourierInventory');
const consumer = stack.ordersConsumer;

describe('InventoryStack', () => {
  it('stock table: pk (S) only, on-demand, PITR', () => {
    expect(propsOf(stack.stockTable)).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // stock, outbox, idempotency
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table')).toHaveLength(3);
  });

  it('consumer inventory-orders: both order events, STOCK_TABLE, OUTBOX_TABLE and IDEMPOTENCY_TABLE', () => {
    expect(consumer.name).toBe('inventory-orders');
    expect(propsOf(consumer.rule).EventPattern).toMatchObject({ source: ['courier.orders'], 'detail-type': ['order.created.v1', 'order.cancelled.v1'] });
    expect(propsOf(consumer.fn).Environment.Variables).toMatchObject({
      CONSUMER_NAME: 'inventory-orders',
      SERVICE_NAME: 'inventory',
      STOCK_TABLE: ref(stack.stockTable),
      OUTBOX_TABLE: ref(stack.outbox.table),
      IDEMPOTENCY_TABLE: ref(stack.idempotencyTable),
    });
  });

  it('the consumer reads and updates stock items, puts outbox rows, and never scans', () => {
    expect(actionsOn(consumer.fn.role!, stack.stockTable)).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actionsOn(consumer.fn.role!, stack.outbox.table)).toContain('dynamodb:PutItem');
    expect(actionsOf(consumer.fn.role!)).not.toContain('dynamodb:Scan');
  });

  it('outputs the stock table name as StockTable', () => {
    expect(outputs.StockTable!.Value).toEqual(ref(stack.stockTable));
  });

  it('has zero unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
