import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type SampleApp, logicalId, sampleApp, template } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
let s: SampleApp;
let t: Template;
let resources: Resources;
beforeAll(() => {
  s = sampleApp();
  t = template(s.service);
  resources = t.toJSON().Resources as Resources;
});
const byType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const statementsOf = (fn: { role?: import('aws-cdk-lib/aws-iam').IRole }) => {
  const roleId = logicalId(fn.role!);
  return byType('AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
};

describe('Outbox', () => {
  it('table: pk event_id, stream NEW_AND_OLD_IMAGES, sparse GSIs pending-by-age and parked-by-time, TTL, PITR, on-demand', () => {
    const table = resources[logicalId(s.outbox.table)]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: 'event_id', KeyType: 'HASH' }]);
    expect(table.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'pending-by-age',
        KeySchema: [
          { AttributeName: 'pending', KeyType: 'HASH' },
          { AttributeName: 'created_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'parked-by-time',
        KeySchema: [
          { AttributeName: 'parked', KeyType: 'HASH' },
          { AttributeName: 'parked_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'pending', AttributeType: 'S' },
        { AttributeName: 'created_at', AttributeType: 'N' },
        { AttributeName: 'parked', AttributeType: 'S' },
        { AttributeName: 'parked_at', AttributeType: 'N' },
      ]),
    );
  });

  it('relay: stream mapping with partial batch response, bisect, bounded retries/age, on-failure DLQ, INSERT filter', () => {
    const [, mapping] = byType('AWS::Lambda::EventSourceMapping').find(
      ([, m]) => m.Properties.FunctionName.Ref === logicalId(s.outbox.relay),
    )!;
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(s.outbox.table), 'StreamArn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(s.outbox.relayDlq), 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
  });

  it('relay and sweeper: env per conventions, publish to the bus only, no table scans', () => {
    for (const fn of [s.outbox.relay, s.outbox.sweeper]) {
      const env = resources[logicalId(fn)]!.Properties.Environment.Variables;
      expect(env).toMatchObject({
        OUTBOX_TABLE: { Ref: logicalId(s.outbox.table) },
        SERVICE_NAME: 'inventory',
      });
      // Parking happens in the outbox table itself: neither function touches the failed-message store.
      expect(env.FAILED_MESSAGE_TABLE).toBeUndefined();
      expect(JSON.stringify(statementsOf(fn))).not.toContain(logicalId(s.failed.table));
      expect(JSON.stringify(env.EVENT_BUS_NAME)).toContain('Fn::ImportValue');
      const statements = statementsOf(fn);
      const put = statements.filter((st) => [st.Action].flat().includes('events:PutEvents'));
      expect(put.length).toBe(1);
      expect(JSON.stringify(put[0].Resource)).toContain('Fn::ImportValue');
      // only the outbox's own sources: nothing else can be forged through its relay or sweeper
      expect(put[0].Condition).toEqual({ StringEquals: { 'events:source': ['courier.inventory'] } });
      expect(JSON.stringify(statements)).not.toContain('dynamodb:Scan');
    }
    const sweeperQuery = statementsOf(s.outbox.sweeper).find((st) => [st.Action].flat().includes('dynamodb:Query'));
    expect(JSON.stringify(sweeperQuery.Resource)).toContain('/index/pending-by-age');
  });

  it('relay may re-read (BatchGetItem) and mark rows on its own table, nothing more', () => {
    const dynamo = statementsOf(s.outbox.relay).filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
    const onTable = dynamo.find((st) => JSON.stringify(st.Resource).includes(logicalId(s.outbox.table)) && [st.Action].flat().includes('dynamodb:UpdateItem'));
    expect([onTable.Action].flat().sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('sweeper runs on a schedule', () => {
    const rule = resources[logicalId(s.outbox.sweepRule)]!.Properties;
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [logicalId(s.outbox.sweeper), 'Arn'] });
  });

  it('sweeper: MAX_ATTEMPTS from maxAttempts (sweeps before a row that keeps failing is parked)', () => {
    expect(resources[logicalId(s.outbox.sweeper)]!.Properties.Environment.Variables.MAX_ATTEMPTS).toBe('6');
    expect(resources[logicalId(s.outbox.relay)]!.Properties.Environment.Variables.MAX_ATTEMPTS).toBeUndefined();
  });

  it('alarms on parked rows: courier/outbox_parked for this service, > 0 in 5 minutes, to the alarm topic', () => {
    const parked = resources[logicalId(s.outbox.alarms.parked)]!.Properties;
    expect(parked).toMatchObject({
      Namespace: 'courier',
      MetricName: 'outbox_parked',
      Dimensions: [{ Name: 'service', Value: 'inventory' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(parked.AlarmActions).toHaveLength(1);
    expect(parked.AlarmDescription).toContain('courier outbox status --service inventory');
  });

  it('alarms on relay DLQ depth, relay errors, iterator age and parked rows', () => {
    expect(Object.keys(s.outbox.alarms).sort()).toEqual(
      ['parked', 'relayDlqDepth', 'relayErrors', 'relayIteratorAge', 'relayThrottles', 'sweeperErrors'].sort(),
    );
    const relayErrors = resources[logicalId(s.outbox.alarms.relayErrors)]!.Properties;
    expect(relayErrors).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
    expect(relayErrors.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: logicalId(s.outbox.relay) } }]);
  });

  it('publishes a discovery output', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    expect(outputs['CourierOutboxInventory']!.Description).toBe('courier:outbox inventory');
    expect(JSON.stringify(outputs['CourierOutboxInventory']!.Value)).toContain('relayDlqUrl');
  });
});

describe('FailedMessageStore', () => {
  it('table: pk event_id, sparse GSI due-by-time, TTL, PITR, on-demand', () => {
    const table = resources[logicalId(s.failed.table)]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: 'event_id', KeyType: 'HASH' }]);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'due-by-time',
        KeySchema: [
          { AttributeName: 'due', KeyType: 'HASH' },
          { AttributeName: 'next_attempt_at', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('retrier: scheduled, env per conventions, Query only on its index', () => {
    const rule = resources[logicalId(s.failed.retryRule)]!.Properties;
    expect(rule.ScheduleExpression).toBe('rate(1 minute)');
    const env = resources[logicalId(s.failed.retrier)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({ FAILED_MESSAGE_TABLE: { Ref: logicalId(s.failed.table) }, SERVICE_NAME: 'inventory' });
    expect(env.EVENT_BUS_NAME).toBeDefined();
    const query = statementsOf(s.failed.retrier).find((st) => [st.Action].flat().includes('dynamodb:Query'));
    expect(JSON.stringify(query.Resource)).toContain('/index/due-by-time');
    const put = statementsOf(s.failed.retrier).filter((st) => [st.Action].flat().includes('events:PutEvents'));
    expect(put.map((st) => st.Condition)).toEqual([{ StringEquals: { 'events:source': ['courier.inventory'] } }]);
  });

  it('alarms on the EMF metric courier/parked{service} > 0', () => {
    const parked = resources[logicalId(s.failed.alarms.parked)]!.Properties;
    expect(parked).toMatchObject({
      Namespace: 'courier',
      MetricName: 'parked',
      Dimensions: [{ Name: 'service', Value: 'inventory' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(JSON.stringify(parked.AlarmActions)).toContain('Fn::ImportValue');
  });
});

describe('ServiceDashboard', () => {
  it('has a row per consumer (throughput, errors, DLQ depth, oldest age) plus outbox and failed messages', () => {
    const dashboards = byType('AWS::CloudWatch::Dashboard');
    expect(dashboards.length).toBe(1);
    const body = JSON.stringify(dashboards[0]![1].Properties.DashboardBody);
    for (const name of ['inventory-reserve', 'inventory-release']) {
      for (const what of ['throughput', 'errors', 'DLQ depth', 'age of oldest message']) {
        expect(body).toContain(`${name} · ${what}`);
      }
    }
    for (const metric of ['NumberOfMessagesDeleted', 'Invocations', 'Errors', 'ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'parked', 'IteratorAge']) {
      expect(body).toContain(metric);
    }
  });
});
