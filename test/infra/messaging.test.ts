import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../lib/constructs/event-bus';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { ENV, nagFindings } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const resourcesOf = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Resources;
const byType = (r: Resources, type: string) => Object.values(r).filter((x) => x.Type === type);

describe('MessagingStack', () => {
  it('creates the bus, a 30-day archive of this account’s events and a TLS-only alarm topic', () => {
    const stack = new MessagingStack(new App(), 'M', { env: ENV });
    const r = resourcesOf(stack);
    expect(byType(r, 'AWS::Events::EventBus').length).toBe(1);
    const [archive] = byType(r, 'AWS::Events::Archive');
    expect(archive!.Properties).toMatchObject({ RetentionDays: 30, EventPattern: { account: ['111111111111'] } });
    expect(byType(r, 'AWS::Events::EventBusPolicy').length).toBe(0);
    const [topicPolicy] = byType(r, 'AWS::SNS::TopicPolicy');
    expect(topicPolicy!.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(byType(r, 'AWS::SNS::Subscription').length).toBe(0);
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(outputs.CourierBus.Description).toBe('courier:bus');
  });

  it('can leave the archive out (local engine) and subscribes the alarm email when given', () => {
    const stack = new MessagingStack(new App(), 'M', { env: ENV, archive: false, alarmEmail: 'ops@example.com' });
    const r = resourcesOf(stack);
    expect(byType(r, 'AWS::Events::Archive').length).toBe(0);
    expect(byType(r, 'AWS::SNS::Subscription')[0]!.Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(nagFindings(stack)).toEqual([]);
  });

  it('bus policy: each other account may publish only its own sources; an organization only with aws:PrincipalOrgID and its sources', () => {
    const stack = new Stack(new App(), 'B', { env: ENV });
    new EventBus(stack, 'Bus', {
      publisherAccounts: { '222222222222': ['partner.payments'], '333333333333': ['partner.shipping', 'partner.returns'] },
      publisherOrganization: { id: 'o-abc123', sources: ['acme.legacy'] },
    });
    const r = resourcesOf(stack);
    const statements = byType(r, 'AWS::Events::EventBusPolicy').flatMap((p) => [p.Properties.Statement ?? p.Properties.Policy?.Statement].flat());
    expect(statements).toHaveLength(3);
    const bySid = (sid: string) => statements.find((st) => st.Sid === `cdk-${sid}`);
    expect(JSON.stringify(bySid('PublishFrom222222222222').Principal)).toContain(':iam::222222222222:root');
    expect(bySid('PublishFrom222222222222').Condition).toEqual({ StringEquals: { 'events:source': ['partner.payments'] } });
    expect(bySid('PublishFrom333333333333').Condition).toEqual({ StringEquals: { 'events:source': ['partner.shipping', 'partner.returns'] } });
    expect(bySid('PublishFromOrganization').Principal).toEqual({ AWS: '*' });
    expect(bySid('PublishFromOrganization').Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123', 'events:source': ['acme.legacy'] } });
    // every statement that lets anyone publish is conditioned on the sources
    for (const st of statements) expect(st.Condition?.StringEquals?.['events:source']).toBeDefined();
    expect(nagFindings(stack)).toEqual([]);
  });

  it('archives the events of every publisher account, not only its own', () => {
    const stack = new Stack(new App(), 'A', { env: ENV });
    new EventBus(stack, 'Bus', { publisherAccounts: { '222222222222': ['partner.payments'] } });
    const [archive] = byType(resourcesOf(stack), 'AWS::Events::Archive');
    expect(archive!.Properties.EventPattern).toEqual({ account: ['111111111111', '222222222222'] });
  });

  it('refuses a source given to two accounts, an account without sources, and a grant without sources', () => {
    const stack = () => new Stack(new App(), 'X', { env: ENV });
    expect(() => new EventBus(stack(), 'Bus', { publisherAccounts: { '222222222222': ['a.b'], '333333333333': ['a.b'] } })).toThrow(/source a.b is given to accounts 222222222222 and 333333333333/);
    expect(() => new EventBus(stack(), 'Bus', { publisherAccounts: { '222222222222': [] } })).toThrow(/must name the sources/);
    const s = stack();
    const bus = new EventBus(s, 'Bus');
    const fn = new iam.Role(s, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    expect(() => bus.grantPublish(fn, [])).toThrow(/name the event sources the grantee may publish/);
  });
});
