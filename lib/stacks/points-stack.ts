import { CfnOutput } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { OrderCancelledV1, OrderCreatedV1 } from '../../functions/events/orders';
import { type Consumer, type Outbox, ServiceStack, type ServiceStackProps } from 'courier/constructs';
import { services } from '../../functions/events/services';

/**
 * Points: the points table (`USER#<user_id>` balances and `AWARD#<order_id>` awards, see
 * functions/points/points-table.ts), the consumer `points-ledger` (order.created.v1 awards,
 * order.cancelled.v1 revokes) and the outbox points.awarded.v1 goes through.
 */
export class PointsStack extends ServiceStack {
  readonly pointsTable: dynamodb.Table;
  readonly outbox: Outbox;
  readonly ledgerConsumer: Consumer;

  constructor(scope: Construct, id: string, props: Omit<ServiceStackProps, 'serviceName'>) {
    super(scope, id, { services, ...props, serviceName: 'points' });
    this.pointsTable = this.addTable('Points', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
    this.outbox = this.addOutbox();
    this.ledgerConsumer = this.addConsumer('points-ledger', {
      events: [OrderCreatedV1, OrderCancelledV1],
      entry: 'functions/points/handler.ts',
      tables: { POINTS_TABLE: this.pointsTable },
    });
    this.outbox.grantWriter(this.ledgerConsumer.fn);
    new CfnOutput(this, 'PointsTable', { description: 'points table (balances and awards)', value: this.pointsTable.tableName });
  }
}
