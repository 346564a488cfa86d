import { describe, expect, it } from 'vitest';
import { RiskStack } from '../../lib/stacks/risk-stack';
import { nagFindings } from './helpers';
import { synthService } from './service-stacks';

const { stack, resources, ref, propsOf, actionsOn, actionsOf } = synthService(RiskStack, 'CourierRisk');
const consumer = stack.assessConsumer;

describe('RiskStack', () => {
  it('no business table: only the idempotency table and the failed-message store', () => {
    const tables = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(2);
    expect(propsOf(stack.failedMessages.table).KeySchema).toEqual([{ AttributeName: 'event_id', KeyType: 'HASH' }]);
  });

  it('consumer risk-assess: order.created.v1 only, bus and failed-message table in its environment', () => {
    expect(consumer.name).toBe('risk-assess');
    expect(propsOf(consumer.rule).EventPattern).toMatchObject({ source: ['courier.orders'], 'detail-type': ['order.created.v1'] });
    const env = propsOf(consumer.fn).Environment.Variables;
    expect(env).toMatchObject({
      CONSUMER_NAME: 'risk-assess',
      SERVICE_NAME: 'risk',
      FAILED_MESSAGE_TABLE: ref(stack.failedMessages.table),
      IDEMPOTENCY_TABLE: ref(stack.idempotencyTable),
    });
    expect(JSON.stringify(env.EVENT_BUS_NAME)).toContain('Fn::ImportValue');
  });

  it('the consumer may publish to the bus and keep failures in the failed-message table', () => {
    expect(actionsOf(consumer.fn.role!)).toContain('events:PutEvents');
    expect(actionsOn(consumer.fn.role!, stack.failedMessages.table)).toContain('dynamodb:PutItem');
    expect(actionsOf(consumer.fn.role!)).not.toContain('dynamodb:Scan');
  });

  it('has zero unacknowledged cdk-nag findings', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
