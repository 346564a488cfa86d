import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../lib/constructs/alarm-topic';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { InventoryStack } from '../../lib/stacks/inventory-stack';
import { NotificationsStack } from '../../lib/stacks/notifications-stack';
import { OrdersStack } from '../../lib/stacks/orders-stack';
import { PointsStack } from '../../lib/stacks/points-stack';
import { RiskStack } from '../../lib/stacks/risk-stack';
import { type SampleApp, ENV, buildSampleApp, logicalId, nagFindings, sampleApp, template } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resourcesOf = (stack: Stack) => template(stack).toJSON().Resources as Resources;
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
/** Every statement of the IAM policies attached to the role with this logical id. */
const statementsOf = (r: Resources, roleId: string) =>
  Object.values(r)
    .filter((x) => x.Type === 'AWS::IAM::Policy' && JSON.stringify(x.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as any[]);

describe('alarm topic encryption', () => {
  it('encrypts the topic with a key of its own, rotated, that CloudWatch alarms may use', () => {
    const r = resourcesOf(new MessagingStack(new App(), 'M', { env: ENV }));
    const [[topicId, topic]] = ofType(r, 'AWS::SNS::Topic') as [[string, any]];
    const keys = ofType(r, 'AWS::KMS::Key');
    expect(keys.length, topicId).toBe(1);
    const [keyId, key] = keys[0]!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const statements = key.Properties.KeyPolicy.Statement as any[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
    // the account keeps administering the key (and IAM policies can grant its use)
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: expect.objectContaining({ 'Fn::Join': expect.anything() }) } }),
    );
    expect(JSON.stringify(statements.find((s) => s.Action === 'kms:*').Principal)).toContain(':iam::111111111111:root');
  });

  it('uses a key passed in instead of creating one', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const key = new kms.Key(stack, 'Mine', { enableKeyRotation: true });
    const alarms = new AlarmTopic(stack, 'Alarms', { masterKey: key });
    const r = resourcesOf(stack);
    expect(ofType(r, 'AWS::KMS::Key').map(([id]) => id)).toEqual([logicalId(key)]);
    expect(r[logicalId(alarms.topic)]!.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [logicalId(key), 'Arn'] });
  });
});

describe('service stack without encryptionKey (the default)', () => {
  let r: Resources;
  beforeAll(() => {
    r = resourcesOf(sampleApp().service);
  });

  it('keeps SQS-managed SSE on every queue and DynamoDB’s AWS-owned key on every table', () => {
    const queues = ofType(r, 'AWS::SQS::Queue');
    expect(queues.length).toBe(7);
    for (const [, q] of queues) {
      expect(q.Properties.SqsManagedSseEnabled).toBe(true);
      expect(q.Properties.KmsMasterKeyId).toBeUndefined();
    }
    const tables = ofType(r, 'AWS::DynamoDB::Table');
    expect(tables.length).toBe(5); // stock, reservations, idempotency, outbox, failed messages
    for (const [, t] of tables) expect(t.Properties.SSESpecification).toBeUndefined();
  });

  it('grants no KMS actions and creates no key', () => {
    expect(ofType(r, 'AWS::KMS::Key')).toEqual([]);
    const actions = Object.values(r)
      .filter((x) => x.Type === 'AWS::IAM::Policy')
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as any[]).flatMap((st) => [st.Action].flat()));
    expect(actions.filter((a: string) => a.startsWith('kms:'))).toEqual([]);
  });
});

describe('service stack with a customer-managed encryptionKey', () => {
  let s: SampleApp;
  let r: Resources;
  let keyArn: unknown;
  beforeAll(() => {
    s = buildSampleApp({ customerManagedKey: true });
    r = resourcesOf(s.service);
    keyArn = r[logicalId(s.reserve.queue)]!.Properties.KmsMasterKeyId;
  });

  it('encrypts every queue with the key (no SQS-managed SSE)', () => {
    expect(JSON.stringify(keyArn)).toContain(`GetAtt${logicalId(s.encryptionKey!)}Arn`);
    const queues = ofType(r, 'AWS::SQS::Queue');
    expect(queues.length).toBe(7); // queue, DLQ and target DLQ of two consumers + the relay DLQ
    for (const [, q] of queues) {
      expect(q.Properties.KmsMasterKeyId).toEqual(keyArn);
      expect(q.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
  });

  it('makes every table CUSTOMER_MANAGED under the key (business, idempotency, outbox, failed messages)', () => {
    const tables = ofType(r, 'AWS::DynamoDB::Table');
    expect(tables.length).toBe(5);
    for (const [, t] of tables) {
      expect(t.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn });
    }
  });

  it('grants every function that reads or writes a table the key, on the key’s ARN only', () => {
    const roles = [s.reserve.fn.role!, s.release.fn.role!, s.outbox.relay.role!, s.outbox.sweeper.role!, s.failed.retrier.role!];
    for (const role of roles) {
      const kmsStatements = statementsOf(r, logicalId(role)).filter((st) => [st.Action].flat().some((a: string) => a.startsWith('kms:')));
      expect(kmsStatements.length, role.node.path).toBeGreaterThan(0);
      for (const st of kmsStatements) expect(st.Resource, role.node.path).toEqual(keyArn);
      expect(kmsStatements.flatMap((st) => [st.Action].flat()), role.node.path).toContain('kms:Decrypt');
    }
    // writers can also encrypt
    for (const role of [s.reserve.fn.role!, s.outbox.relay.role!, s.failed.retrier.role!]) {
      expect(statementsOf(r, logicalId(role)).flatMap((st) => [st.Action].flat())).toContain('kms:GenerateDataKey*');
    }
  });

  it('lets EventBridge use the key only for this account, and the queue still takes events only from its rule', () => {
    const key = resourcesOf(s.messaging)[logicalId(s.encryptionKey!)]!;
    const forEvents = (key.Properties.KeyPolicy.Statement as any[]).filter((st) => st.Principal?.Service === 'events.amazonaws.com');
    expect(forEvents.length).toBe(1);
    expect(forEvents[0].Action).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']));
    expect(forEvents[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '111111111111' } });

    for (const consumer of [s.reserve, s.release]) {
      const [, policy] = ofType(r, 'AWS::SQS::QueuePolicy').find(
        ([, p]) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: logicalId(consumer.queue) }]),
      )!;
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
        Sid: 'DenyEventBridgeDeliveryFromOtherRules',
        Effect: 'Deny',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalId(consumer.queue), 'Arn'] },
        Condition: { ArnNotEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(consumer.rule), 'Arn'] } } },
      });
    }
  });

  it('keeps cdk-nag at zero unacknowledged findings in both stacks', () => {
    expect(nagFindings(s.messaging)).toEqual([]);
    expect(nagFindings(s.service)).toEqual([]);
  });
});

describe('the reference app’s service stacks with an encryptionKey', () => {
  // Grants and encryption only: no function code needed (the stack tests bundle every handler).
  const app = new App({ context: { [BUNDLING_STACKS]: [] } });
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
  const encryptionKey = new kms.Key(messaging, 'DataKey', { enableKeyRotation: true });
  const classes = { OrdersStack, InventoryStack, RiskStack, PointsStack, NotificationsStack };
  const stacks = Object.entries(classes).map(([name, S]) => [name, new S(app, name, { env: ENV, messaging, encryptionKey })] as const);

  it.each(stacks)('%s: every role with item access to a table may use the key; cdk-nag stays at zero', (_, stack) => {
    const r = resourcesOf(stack);
    const tableIds = ofType(r, 'AWS::DynamoDB::Table').map(([id]) => id);
    expect(tableIds.length).toBeGreaterThan(0);
    for (const [, t] of ofType(r, 'AWS::DynamoDB::Table')) expect(t.Properties.SSESpecification.SSEType).toBe('KMS');
    const keyArn = ofType(r, 'AWS::DynamoDB::Table')[0]![1].Properties.SSESpecification.KMSMasterKeyId;
    for (const [id, policy] of ofType(r, 'AWS::IAM::Policy')) {
      const statements = policy.Properties.PolicyDocument.Statement as any[];
      const onTables = statements.filter(
        (st) =>
          [st.Action].flat().some((a: string) => a.startsWith('dynamodb:') && a !== 'dynamodb:ListStreams') &&
          tableIds.some((t) => JSON.stringify(st.Resource).includes(`"${t}"`)),
      );
      if (onTables.length === 0) continue;
      const keyActions = statements.filter((st) => JSON.stringify(st.Resource) === JSON.stringify(keyArn)).flatMap((st) => [st.Action].flat());
      expect(keyActions, id).toContain('kms:Decrypt');
    }
    expect(nagFindings(stack)).toEqual([]);
  });
});
