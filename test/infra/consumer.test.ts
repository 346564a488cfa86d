import { beforeAll, describe, expect, it } from 'vitest';
import { COURIER_RUNTIME } from '../../lib/constructs/courier-function';
import { VISIBILITY_TIMEOUT_FACTOR } from '../../lib/constructs/consumer';
import { type SampleApp, logicalId, sampleApp, splitXRayStatements, template, XRAY_WRITE_STATEMENT } from './helpers';
import type { Template } from 'aws-cdk-lib/assertions';

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
const ref = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

describe('Consumer queue and DLQ', () => {
  it('redrives to its own DLQ with maxReceiveCount ≥ 5 (default 10, prop honoured)', () => {
    for (const [consumer, expected] of [
      [s.reserve, 10],
      [s.release, 8],
    ] as const) {
      const queue = resources[logicalId(consumer.queue)]!;
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: ref(logicalId(consumer.dlq)),
        maxReceiveCount: expected,
      });
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBeGreaterThanOrEqual(5);
    }
  });

  it('keeps DLQ messages longer than the source queue (4 days → 14 days)', () => {
    for (const consumer of [s.reserve, s.release]) {
      const q = resources[logicalId(consumer.queue)]!.Properties;
      const dlq = resources[logicalId(consumer.dlq)]!.Properties;
      const targetDlq = resources[logicalId(consumer.targetDlq)]!.Properties;
      expect(q.MessageRetentionPeriod).toBe(4 * 86400);
      expect(dlq.MessageRetentionPeriod).toBe(14 * 86400);
      expect(dlq.MessageRetentionPeriod).toBeGreaterThan(q.MessageRetentionPeriod);
      expect(targetDlq.MessageRetentionPeriod).toBe(14 * 86400);
    }
  });

  it('computes visibility timeout = 6 × function timeout (+ batching window)', () => {
    const check = (consumer: typeof s.reserve, windowSeconds: number) => {
      const fn = resources[logicalId(consumer.fn)]!.Properties;
      const q = resources[logicalId(consumer.queue)]!.Properties;
      expect(q.VisibilityTimeout).toBe(VISIBILITY_TIMEOUT_FACTOR * fn.Timeout + windowSeconds);
      expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
    };
    check(s.reserve, 0);
    check(s.release, 10);
    expect(resources[logicalId(s.reserve.queue)]!.Properties.VisibilityTimeout).toBe(180);
  });

  it('encrypts every queue (SQS-managed SSE) and denies non-TLS access in every queue policy', () => {
    const queues = byType('AWS::SQS::Queue');
    expect(queues.length).toBe(7); // 2 consumers × 3 + relay DLQ
    for (const [, q] of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = byType('AWS::SQS::QueuePolicy');
    expect(policies.length).toBe(queues.length);
    for (const [, p] of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('lets events.amazonaws.com send only with aws:SourceArn = its own rule (queue and target DLQ)', () => {
    for (const consumer of [s.reserve, s.release]) {
      const ruleArn = ref(logicalId(consumer.rule));
      for (const queue of [consumer.queue, consumer.targetDlq]) {
        const [, policy] = byType('AWS::SQS::QueuePolicy').find(
          ([, p]) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: logicalId(queue) }]),
        )!;
        const allows = policy.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Allow');
        expect(allows.length).toBe(1);
        expect(allows[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
        expect(allows[0].Condition).toEqual({ ArnEquals: { 'aws:SourceArn': ruleArn } });
        expect([allows[0].Action].flat()).toContain('sqs:SendMessage');
      }
      // the consumer DLQ gets no service-principal access at all
      const [, dlqPolicy] = byType('AWS::SQS::QueuePolicy').find(
        ([, p]) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: logicalId(consumer.dlq) }]),
      )!;
      expect(dlqPolicy.Properties.PolicyDocument.Statement.filter((st: any) => st.Effect === 'Allow')).toEqual([]);
    }
  });
});

describe('Consumer rule', () => {
  it('is one rule per consumer on the bus, listing its detail-types and sources, excluding replays', () => {
    const rules = byType('AWS::Events::Rule').filter(([, r]) => r.Properties.EventPattern);
    expect(rules.length).toBe(2);
    const rule = resources[logicalId(s.reserve.rule)]!.Properties;
    expect(rule.EventPattern).toEqual({
      source: ['courier.orders'],
      'detail-type': ['order.created.v1'],
      'replay-name': [{ exists: false }],
    });
    expect(JSON.stringify(rule.EventBusName)).toContain('Fn::ImportValue');
  });

  it('targets the queue with its own DLQ and a retry policy', () => {
    for (const consumer of [s.reserve, s.release]) {
      const rule = resources[logicalId(consumer.rule)]!.Properties;
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: ref(logicalId(consumer.queue)),
          DeadLetterConfig: { Arn: ref(logicalId(consumer.targetDlq)) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        }),
      ]);
    }
  });
});

describe('Consumer function', () => {
  it('runs on the current Node.js runtime, arm64, ESM bundle', () => {
    expect(COURIER_RUNTIME.name).toBe('nodejs24.x');
    const fns = byType('AWS::Lambda::Function');
    expect(fns.length).toBe(5);
    for (const [, fn] of fns) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  it('sets the convention environment variables', () => {
    const env = resources[logicalId(s.reserve.fn)]!.Properties.Environment.Variables;
    expect(env).toMatchObject({
      CONSUMER_NAME: 'inventory-reserve',
      SERVICE_NAME: 'inventory',
      IDEMPOTENCY_TABLE: { Ref: logicalId(s.service.idempotencyTable) },
      // 31 days: longer than the DLQ (14 d), the archive (30 d) and the failed-message store (30 d) keep an event
      IDEMPOTENCY_HORIZON_SECONDS: String(31 * 86400),
      DLQ_URL: { Ref: logicalId(s.reserve.dlq) },
      STOCK_TABLE: { Ref: logicalId(s.stock) },
      RESERVATIONS_TABLE: { Ref: logicalId(s.reservations) },
    });
  });

  it('always reports batch item failures; batch size, window and concurrency come from props', () => {
    const mappings = Object.fromEntries(
      byType('AWS::Lambda::EventSourceMapping').map(([, m]) => [m.Properties.FunctionName.Ref, m.Properties]),
    );
    const reserve = mappings[logicalId(s.reserve.fn)]!;
    expect(reserve.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(reserve.BatchSize).toBe(10);
    expect(reserve.EventSourceArn).toEqual(ref(logicalId(s.reserve.queue)));
    const release = mappings[logicalId(s.release.fn)]!;
    expect(release.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(release.BatchSize).toBe(50);
    expect(release.MaximumBatchingWindowInSeconds).toBe(10);
    expect(release.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
    for (const [, m] of byType('AWS::Lambda::EventSourceMapping')) {
      expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });
});

describe('Consumer least privilege', () => {
  const policyOf = (consumer: typeof s.reserve) => {
    const roleId = logicalId(consumer.fn.role!);
    const policies = byType('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
    );
    expect(policies.length).toBe(1);
    return policies[0]![1].Properties.PolicyDocument.Statement as any[];
  };

  it('has no managed policies and no wildcard resources but the X-Ray upload of active tracing', () => {
    for (const [, role] of byType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    for (const consumer of [s.reserve, s.release]) {
      const { xray, rest } = splitXRayStatements(policyOf(consumer));
      expect(xray).toEqual([XRAY_WRITE_STATEMENT]);
      for (const st of rest) {
        expect(JSON.stringify(st.Resource)).not.toContain('*');
        expect([st.Action].flat().some((a: string) => a.endsWith('*'))).toBe(false);
      }
    }
  });

  it('consumes only its own queue, sends only to its own DLQ, and cannot touch another consumer', () => {
    const reserve = JSON.stringify(policyOf(s.reserve));
    for (const other of [s.release.queue, s.release.dlq, s.release.targetDlq]) {
      expect(reserve).not.toContain(logicalId(other));
    }
    const statements = policyOf(s.reserve);
    const receive = statements.filter((st) => [st.Action].flat().includes('sqs:ReceiveMessage'));
    expect(receive.map((st) => st.Resource)).toEqual([ref(logicalId(s.reserve.queue))]);
    const send = statements.filter((st) => [st.Action].flat().includes('sqs:SendMessage'));
    expect(send.map((st) => st.Resource)).toEqual([ref(logicalId(s.reserve.dlq))]);
    // never its target DLQ, which only EventBridge writes
    expect(reserve).not.toContain(logicalId(s.reserve.targetDlq));
  });

  it('gets item access on its tables only (named index, read-only when asked, no Scan)', () => {
    const reserve = policyOf(s.reserve);
    const dynamo = reserve.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    const resources = JSON.stringify(dynamo.map((st) => st.Resource));
    expect(resources).toContain(logicalId(s.service.idempotencyTable));
    expect(resources).toContain('/index/by-warehouse');
    expect(JSON.stringify(dynamo)).not.toContain('dynamodb:Scan');
    const release = policyOf(s.release);
    const stock = release.filter((st) => JSON.stringify(st.Resource).includes(logicalId(s.stock)));
    expect(stock.length).toBe(1);
    expect([stock[0].Action].flat()).not.toContain('dynamodb:PutItem');
    expect(JSON.stringify(release)).not.toContain(logicalId(s.reservations));
  });
});

describe('Consumer alarms', () => {
  const alarms = () => byType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

  it('alarms on each DLQ depth > 0 (consumer DLQ, rule target DLQ, relay DLQ), notifying the alarm topic', () => {
    const dlqs = [s.reserve.dlq, s.reserve.targetDlq, s.release.dlq, s.release.targetDlq, s.outbox.relayDlq];
    for (const dlq of dlqs) {
      const alarm = alarms().find(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions).includes(`"${logicalId(dlq)}"`),
      );
      expect(alarm, `alarm for ${dlq.node.path}`).toBeDefined();
      expect(alarm!.Threshold).toBe(0);
      expect(alarm!.ComparisonOperator).toBe('GreaterThanThreshold');
    }
  });

  it('alarms on oldest-message age, function errors and throttles per consumer', () => {
    for (const consumer of [s.reserve, s.release]) {
      expect(consumer.allAlarms.length).toBe(5);
      const names = consumer.allAlarms.map((a) => (a.node.defaultChild as any).alarmName);
      expect(names).toEqual(
        expect.arrayContaining([
          'Inventory-' + consumer.name + '-dlq-depth',
          'Inventory-' + consumer.name + '-target-dlq-depth',
          'Inventory-' + consumer.name + '-oldest-message-age',
          'Inventory-' + consumer.name + '-function-errors',
          'Inventory-' + consumer.name + '-function-throttles',
        ]),
      );
    }
    expect(alarms().some((a) => a.MetricName === 'ApproximateAgeOfOldestMessage' && a.Threshold === 300)).toBe(true);
    expect(alarms().filter((a) => a.MetricName === 'Throttles').length).toBeGreaterThanOrEqual(2);
  });

  it('every alarm in the stack notifies the shared alarm topic (ALARM and OK)', () => {
    const all = alarms();
    expect(all.length).toBeGreaterThan(10);
    for (const a of all) {
      expect(a.AlarmActions).toHaveLength(1);
      expect(JSON.stringify(a.AlarmActions)).toMatch(/Fn::ImportValue.*AlarmTopic/);
      expect(a.OKActions).toEqual(a.AlarmActions);
    }
  });
});

describe('Consumer discovery', () => {
  it('exports one JSON output per consumer and tags its resources', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Description: string; Value: unknown }>;
    const out = outputs['CourierConsumerInventoryReserve']!;
    expect(out.Description).toBe('courier:consumer inventory-reserve');
    const value = JSON.stringify(out.Value);
    for (const key of ['queueUrl', 'dlqUrl', 'targetDlqUrl', 'ruleName', 'ruleArn', 'functionName', 'dlqDepth', 'idempotencyTableName']) {
      expect(value).toContain(key);
    }
    expect(outputs['CourierConsumerInventoryRelease']).toBeDefined();
    expect(value).toContain(`idempotencyHorizonSeconds\\":${31 * 86400},`);
    const queue = resources[logicalId(s.reserve.queue)]!.Properties;
    expect(queue.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'courier:consumer', Value: 'inventory-reserve' },
        { Key: 'courier:service', Value: 'inventory' },
        { Key: 'courier:role', Value: 'queue' },
      ]),
    );
    const fnTags = resources[logicalId(s.reserve.fn)]!.Properties.Tags;
    expect(fnTags).toEqual(expect.arrayContaining([{ Key: 'courier:consumer', Value: 'inventory-reserve' }]));
  });
});

describe('Idempotency table', () => {
  it('is on-demand with PITR, TTL on expires_at, partition key id', () => {
    const table = resources[logicalId(s.service.idempotencyTable)]!.Properties;
    expect(table.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('every table in the stack is on-demand with PITR', () => {
    for (const [, table] of byType('AWS::DynamoDB::Table')) {
      expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
  });
});
