import { App, Stack } from 'aws-cdk-lib';
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

  it('bus policy: other accounts by account principal, an organization only with aws:PrincipalOrgID', () => {
    const stack = new Stack(new App(), 'B', { env: ENV });
    new EventBus(stack, 'Bus', { publisherAccounts: ['222222222222'], publisherOrganizationId: 'o-abc123' });
    const r = resourcesOf(stack);
    const policies = byType(r, 'AWS::Events::EventBusPolicy');
    expect(policies.length).toBeGreaterThan(0);
    const statements = policies.flatMap((p) => [p.Properties.Statement ?? p.Properties.Policy?.Statement].flat());
    for (const st of statements) {
      if (st.Principal === '*' || st.Principal?.AWS === '*') {
        expect(st.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } });
      }
    }
    expect(JSON.stringify(statements)).toContain('222222222222');
    expect(JSON.stringify(statements)).toContain('aws:PrincipalOrgID');
    expect(nagFindings(stack)).toEqual([]);
  });
});
