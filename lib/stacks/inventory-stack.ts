import { CfnOutput } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { OrderCancelledV1, OrderCreatedV1 } from '../../functions/events/orders';
import { type Consumer, type Outbox, ServiceStack, type ServiceStackProps } from 'courier/constructs';
import { services } from '../../functions/events/services';

/**
 * Inventory: the stock table (`SKU#<sku>` stock items and `RES#<order_id>` reservations, see
 * functions/inventory/stock-table.ts), the consumer `inventory-orders` (order.created.v1 reserves,
 * order.cancelled.v1 releases) and the outbox its replies go through.
 */
export class InventoryStack extends ServiceStack {
  readonly stockTable: dynamodb.Table;
  readonly outbox: Outbox;
  readonly ordersConsumer: Consumer;

  constructor(scope: Construct, id: string, props: Omit<ServiceStackProps, 'serviceName'>) {
    super(scope, id, { services, ...props, serviceName: 'inventory' });
    this.stockTable = this.addTable('Stock', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    this.outbox = this.addOutbox();
    this.ordersConsumer = this.addConsumer('inventory-orders', {
      events: [OrderCreatedV1, OrderCancelledV1],
      entry: 'functions/inventory/handler.ts',
      tables: { STOCK_TABLE: this.stockTable },
    });
    this.outbox.grantWriter(this.ordersConsumer.fn);
    new CfnOutput(this, 'StockTable', {
      description: 'inventory stock table (seed it with scripts/seed-inventory.ts)',
      value: this.stockTable.tableName,
    });
  }
}
