import { describe, expect, it } from 'vitest';
import { PointsStack } from '../../lib/stacks/points-stack';
import { nagFindings } from './helpers';
import { synthService } from './service-stacks';

const { stack, resources, outputs, ref, propsOf, actionsOn, actionsOf } = synthService(PointsStack, 'CourierPoints');
const consumer = stack.ledgerConsumer;

describe('PointsStack', () => {
  it('points table: pk (S) only, on-demand, PITR; beside it only the outbox and idempotency tables', () => {
    expect(propsOf(stack.pointsTable)).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table')).toHaveLength(3);
  });

  it('consumer points-ledger: both order events, POINTS_TABLE, OUTBOX_TABLE and IDEMPOTENCY_TABLE', () => {
    expect(consumer.name).toBe('points-ledger');
    expect(propsOf(consumer.rule).EventPattern).toMatchObject({ source: ['courier.orders'], 'detail-type': ['order.created.v1', 'order.cancelled.v1'] });
    expect(propsOf(consumer.fn).Environment.Variables).toMatchObject({
      CONSUMER_NAME: 'points-ledger',
      SERVICE_NAME: 'points',
      POINTS_TABLE: ref(stack.pointsTable),
      OUTBOX_TABLE: ref(stack.outbox.table),
      IDEMPOTENCY_TABLE: ref(stack.idempotencyTable),
    });
  });

  it('the consumer reads and writes balances and awards, puts outbox rows, never publishes directly and never scans', () => {
    expect(actionsOn(consumer.fn.role!, stack.pointsTable)).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    expect(actionsOn(consumer.fn.role!, stack.outbox.table)).toContain('dynamodb:PutItem');
    expect(actionsOf(consumer.fn.role!)).not.toContain('dynamodb:Scan');
    expect(actionsOf(consumer.fn.role!)).not.toContain('events:PutEvents');
  });

  it('outputs the points table name as PointsTable', () => {
    expect(outputs.PointsTable!.Value).toEqual(ref(stack.pointsTable));
  });

  it('has zero unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
