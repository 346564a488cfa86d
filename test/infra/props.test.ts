import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ConfigChangedV1 } from '../../functions/events/config';
import { OrderCreatedV1 } from '../../functions/events/orders';
import { RiskAssessedV1 } from '../../functions/events/risk';
import { services } from '../../functions/events/services';
import { resolveDeploymentTarget } from '../../lib/constructs/deployment-target';
import { Consumer, type ConsumerProps } from '../../lib/constructs/consumer';
import { FailedMessageStore } from '../../lib/constructs/failed-message-store';
import { IdempotencyTable } from '../../lib/constructs/idempotency-table';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { ServiceStack } from '../../lib/constructs/service-stack';
import { ENV, FIXTURES, nagFindings, unbundledApp } from './helpers';

function base() {
  const stack = new Stack(unbundledApp(), 'P', { env: ENV });
  const props: ConsumerProps = {
    name: 'risk-score',
    serviceName: 'risk',
    bus: new events.EventBus(stack, 'Bus'),
    events: [OrderCreatedV1],
    entry: `${FIXTURES}/consumer.ts`,
    idempotencyTable: new IdempotencyTable(stack, 'Idem').table,
    alarmTopic: new sns.Topic(stack, 'Topic', { enforceSSL: true }),
  };
  return { stack, props };
}

describe('Consumer refuses unsafe props', () => {
  const cases: [string, Partial<ConsumerProps>, RegExp][] = [
    ['maxReceiveCount below 5', { maxReceiveCount: 4 }, /maxReceiveCount must be an integer ≥ 5/],
    ['maxReceiveCount not an integer', { maxReceiveCount: 5.5 }, /maxReceiveCount/],
    ['DLQ retention equal to source retention', { retentionPeriod: Duration.days(14) }, /must be longer than retentionPeriod/],
    ['DLQ retention shorter than source retention', { retentionPeriod: Duration.days(4), dlqRetentionPeriod: Duration.days(2) }, /must be longer/],
    ['no events', { events: [] }, /at least one event/],
    ['a name that is not kebab-case', { name: 'Risk_Score' }, /name must match/],
    ['a convention variable in environment', { environment: { DLQ_URL: 'x' } }, /DLQ_URL is set by the construct/],
    ['a timeout whose 6× exceeds 12 h of visibility', { timeout: Duration.hours(2.5) }, /above SQS's 12 hours/],
    ['a batching window above 5 minutes', { maxBatchingWindow: Duration.minutes(6) }, /≤ 5 minutes/],
    ['FIFO with a batch above 10', { fifo: true, batchSize: 20, maxBatchingWindow: Duration.seconds(1) }, /FIFO/],
    ['maxConcurrency of 1', { maxConcurrency: 1 }, /maxConcurrency must be 2–1000/],
    ['an event listed twice', { events: [OrderCreatedV1, OrderCreatedV1] }, /event order.created.v1 is listed twice/],
    ['no handler code', { entry: undefined }, /exactly one of `entry` \(source to bundle\), `code` \(prebuilt\) or `existingFunction`/],
    ['two kinds of handler code', { code: lambda.Code.fromInline('exports.handler = 1') }, /exactly one of `entry`/],
    ['a DLQ through queueProps', { queueProps: { deadLetterQueue: { queue: {} as never, maxReceiveCount: 5 } } }, /queueProps.deadLetterQueue is set by the construct/],
    ['an unencrypted queue through queueProps', { queueProps: { encryption: sqs.QueueEncryption.UNENCRYPTED } }, /may not be UNENCRYPTED/],
    ['a message group on a standard queue', { messageGroupId: 'g' }, /messageGroupId applies to FIFO consumers only/],
    ['an idempotency horizon of 48 h (markers gone before a DLQ redrive)', { idempotencyHorizon: Duration.hours(48) }, /idempotencyHorizon \(2 days\) is shorter than the DLQ retention \(courier dlq redrive\) \(14 days\)/],
    ['an idempotency horizon shorter than the failed-message retention', { idempotencyHorizon: Duration.days(20) }, /shorter than the failed-message retention \(courier failed retry\) \(30 days\)/],
    ['an idempotency horizon shorter than the archive retention', { idempotencyHorizon: Duration.days(40), archiveRetention: Duration.days(90) }, /shorter than the archive retention \(courier replay\) \(90 days\)/],
    ['IDEMPOTENCY_HORIZON_SECONDS in environment', { environment: { IDEMPOTENCY_HORIZON_SECONDS: '60' } }, /IDEMPOTENCY_HORIZON_SECONDS is set by the construct/],
  ];
  for (const [what, override, message] of cases) {
    it(`throws on ${what}`, () => {
      const { stack, props } = base();
      expect(() => new Consumer(stack, 'C', { ...props, ...override })).toThrow(message);
    });
  }

  it('does not offer reportBatchItemFailures or visibilityTimeout as props', () => {
    const { stack, props } = base();
    // @ts-expect-error not a prop: always on
    const withFlag: ConsumerProps = { ...props, reportBatchItemFailures: false, visibilityTimeout: Duration.seconds(1) };
    const c = new Consumer(stack, 'C', withFlag);
    const t = Template.fromStack(stack).toJSON().Resources as Record<string, any>;
    const mapping = Object.values(t).find((r: any) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const queue = t[stack.getLogicalId(c.queue.node.defaultChild as any)];
    expect(queue.Properties.VisibilityTimeout).toBe(180);
  });
});

describe('Consumer options', () => {
  it('includeReplayed drops the replay exclusion', () => {
    const { stack, props } = base();
    const c = new Consumer(stack, 'C', { ...props, includeReplayed: true });
    const rule = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(c.rule.node.defaultChild as any)];
    expect(rule.Properties.EventPattern).toEqual({ source: ['courier.orders'], 'detail-type': ['order.created.v1'] });
  });

  it('fifo: FIFO queue and DLQ, standard target DLQ, message group id on the target, nag-clean', () => {
    const { stack, props } = base();
    const c = new Consumer(stack, 'C', { ...props, fifo: true });
    const r = Template.fromStack(stack).toJSON().Resources;
    const id = (x: sqs.Queue) => stack.getLogicalId(x.node.defaultChild as any);
    expect(r[id(c.queue)].Properties.FifoQueue).toBe(true);
    expect(r[id(c.dlq)].Properties.FifoQueue).toBe(true);
    expect(r[id(c.targetDlq)].Properties.FifoQueue).toBeUndefined();
    const rule = r[stack.getLogicalId(c.rule.node.defaultChild as any)];
    expect(rule.Properties.Targets[0].SqsParameters).toEqual({ MessageGroupId: 'risk-score' });
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('FailedMessageStore refuses unsafe props', () => {
  it('throws on maxAttempts < 1', () => {
    const { stack, props } = base();
    expect(
      () =>
        new FailedMessageStore(stack, 'F', {
          serviceName: 'risk',
          bus: props.bus,
          alarmTopic: props.alarmTopic,
          maxAttempts: 0,
        }),
    ).toThrow(/maxAttempts/);
  });
});

describe('ServiceStack', () => {
  it("refuses a consumer of an event the service does not consume per the app's services map", () => {
    const app = new App();
    const messaging = new MessagingStack(app, 'M', { env: ENV });
    const risk = new ServiceStack(app, 'Risk', { env: ENV, serviceName: 'risk', messaging, services });
    expect(() =>
      risk.addConsumer('risk-config', { events: [ConfigChangedV1], entry: `${FIXTURES}/consumer.ts` }),
    ).toThrow(/services map does not list/);
    expect(() => risk.addConsumer('risk-self', { events: [RiskAssessedV1], entry: `${FIXTURES}/consumer.ts` })).toThrow(
      /risk\.consumes/,
    );
  });

  it('checks nothing without a services map, and nothing for a service the map does not list', () => {
    const app = new App();
    const messaging = new MessagingStack(app, 'M', { env: ENV });
    const unchecked = new ServiceStack(app, 'Risk', { env: ENV, serviceName: 'risk', messaging });
    expect(() => unchecked.addConsumer('risk-config', { events: [ConfigChangedV1], entry: `${FIXTURES}/consumer.ts` })).not.toThrow();
    const unlisted = new ServiceStack(app, 'Shipping', { env: ENV, serviceName: 'shipping', messaging, services });
    expect(() => unlisted.addConsumer('shipping-config', { events: [ConfigChangedV1], entry: `${FIXTURES}/consumer.ts` })).not.toThrow();
  });

  it('synthesizes with the nag plugin registered on the app (the synth gate bin/app.ts uses)', () => {
    const app = new App();
    const messaging = new MessagingStack(app, 'M', { env: ENV });
    const risk = new ServiceStack(app, 'Risk', { env: ENV, serviceName: 'risk', messaging });
    risk.addConsumer('risk-score', { events: [OrderCreatedV1], entry: `${FIXTURES}/consumer.ts` });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('the app-level nag plugin stops synthesis on an unacknowledged finding', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad', { env: ENV });
    new sqs.Queue(stack, 'NoDlq');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});

describe('Deployment target (bin/app.ts switch)', () => {
  it('targets AWS by default, environment from the CDK CLI, archive on, tables retained', () => {
    const t = resolveDeploymentTarget({ CDK_DEFAULT_ACCOUNT: '123456789012', CDK_DEFAULT_REGION: 'eu-west-1' });
    expect(t).toMatchObject({ kind: 'aws', archive: true, env: { account: '123456789012', region: 'eu-west-1' } });
    expect(t.tableRemovalPolicy).toBe('retain');
    expect(t.notes).toEqual([]);
  });

  it('AWS_ENDPOINT_URL selects the local engine: archive off, tables destroyed, each switch logged', () => {
    const t = resolveDeploymentTarget({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
      AWS_ACCOUNT_ID: '000000000000',
    });
    expect(t).toMatchObject({
      kind: 'local',
      endpoint: 'http://127.0.0.1:4566',
      archive: false,
      env: { account: '000000000000', region: 'us-east-1' },
    });
    expect(t.tableRemovalPolicy).toBe('destroy');
    expect(t.notes.join('\n')).toMatch(/local engine[\s\S]*archive: off[\s\S]*DESTROY/);
  });

  it('COURIER_ARCHIVE overrides the archive switch', () => {
    expect(resolveDeploymentTarget({ AWS_ENDPOINT_URL: 'http://x', COURIER_ARCHIVE: 'on' }).archive).toBe(true);
    expect(resolveDeploymentTarget({ COURIER_ARCHIVE: 'off' }).archive).toBe(false);
  });
});

describe('idempotency horizon', () => {
  it('takes a horizon that covers every window, and ServiceStack checks it against its messaging stack’s archive', () => {
    const { stack, props } = base();
    const c = new Consumer(stack, 'C', { ...props, idempotencyHorizon: Duration.days(100), archiveRetention: Duration.days(90) });
    expect(c.idempotencyHorizon.toDays()).toBe(100);
    const app = new App();
    const messaging = new MessagingStack(app, 'M', { env: ENV, archiveRetention: Duration.days(60) });
    const service = new ServiceStack(app, 'S', { env: ENV, serviceName: 'risk', messaging });
    expect(() => service.addConsumer('risk-score', { events: [OrderCreatedV1], entry: `${FIXTURES}/consumer.ts` })).toThrow(
      /idempotencyHorizon \(31 days\) is shorter than the archive retention \(courier replay\) \(60 days\)/,
    );
    expect(service.addConsumer('risk-late', { events: [OrderCreatedV1], entry: `${FIXTURES}/consumer.ts`, idempotencyHorizon: Duration.days(61) }).idempotencyHorizon.toDays()).toBe(61);
  });
});
