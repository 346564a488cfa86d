import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { OrderCreatedV1 } from '../../functions/events/orders';
import { CourierFunction } from '../../lib/constructs/courier-function';
import { resolveDeploymentTarget } from '../../lib/constructs/deployment-target';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { ServiceStack } from '../../lib/constructs/service-stack';
import { buildReferenceApp } from '../../lib/stacks/reference-app';
import { ENV, FIXTURES, nagFindings, splitXRayStatements, unbundledApp, XRAY_WRITE_STATEMENT } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
/** Synthesis without esbuild: the templates are what is asserted here, not the bundles. */
const resourcesOf = (stack: Stack) => Template.fromStack(stack).toJSON().Resources as Resources;
const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('tracing and Powertools conventions in the reference app’s templates for AWS', () => {
  const app = unbundledApp();
  const stacks = Object.values(buildReferenceApp(app, { target: resolveDeploymentTarget({}) }));
  const all = stacks.map((stack) => ({ stack, resources: resourcesOf(stack) }));
  const functions = all.flatMap(({ stack, resources }) => ofType(resources, 'AWS::Lambda::Function').map(([id, r]) => ({ stack: stack.stackName, id, props: r.Properties, resources })));

  it('every function has active X-Ray tracing and the Powertools service name and metrics namespace', () => {
    // 9 functions of the services + relay, sweeper and retrier of the stacks that have them
    expect(functions.length).toBeGreaterThanOrEqual(12);
    for (const fn of functions) {
      expect(fn.props.TracingConfig, `${fn.stack}/${fn.id}`).toEqual({ Mode: 'Active' });
      const env = fn.props.Environment.Variables;
      expect(env.POWERTOOLS_SERVICE_NAME, `${fn.stack}/${fn.id}`).toBe(env.SERVICE_NAME);
      expect(env.POWERTOOLS_METRICS_NAMESPACE, `${fn.stack}/${fn.id}`).toBe('courier');
    }
  });

  it('every traced function may upload segments, and that is the only statement without a resource', () => {
    for (const fn of functions) {
      const role = fn.props.Role['Fn::GetAtt'][0];
      const statements = ofType(fn.resources, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]);
      const { xray, rest } = splitXRayStatements(statements);
      expect(xray, `${fn.stack}/${fn.id}`).toEqual([XRAY_WRITE_STATEMENT]);
      // the relay's dynamodb:ListStreams is the one other action AWS offers no resource for
      for (const st of rest.filter((s) => JSON.stringify(s.Action) !== '"dynamodb:ListStreams"')) expect(JSON.stringify(st.Resource), `${fn.stack}/${fn.id}`).not.toBe('"*"');
    }
  });

  it('the HTTP API stages carry no tracing setting: HTTP APIs do not support X-Ray, the trace starts at the function', () => {
    const stages = all.flatMap(({ resources }) => ofType(resources, 'AWS::ApiGatewayV2::Stage'));
    expect(stages.length).toBe(2);
    // AWS::ApiGatewayV2::Stage has no TracingEnabled (only REST API stages do); access logs and
    // throttling are the settings it has. The function behind the route is the first traced hop.
    for (const [, stage] of stages) expect(Object.keys(stage.Properties).filter((k) => /trac/i.test(k))).toEqual([]);
  });

  it('dashboards read the namespace and names the functions write: every EMF metric of every dashboard is in `courier`', () => {
    const bodies = all.flatMap(({ resources }) => ofType(resources, 'AWS::CloudWatch::Dashboard').map(([, d]) => JSON.stringify(d.Properties.DashboardBody)));
    expect(bodies.length).toBeGreaterThan(0);
    const emf = bodies.join('').match(/\[\\"courier\\",\\"(\w+)\\"/g) ?? [];
    expect(new Set(emf.map((m) => /\\"(\w+)\\"$/.exec(m)![1]))).toEqual(new Set(['processed', 'duplicates', 'ColdStart', 'transient_failures', 'quarantined', 'parked']));
  });
});

describe('one switch each for the metrics namespace and tracing', () => {
  function sample(context: Record<string, unknown>, tracing?: lambda.Tracing) {
    const app = unbundledApp(context);
    const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
    const service = new ServiceStack(app, 'Inventory', { env: ENV, serviceName: 'inventory', messaging });
    service.addConsumer('inventory-reserve', { events: [OrderCreatedV1], entry: `${FIXTURES}/consumer.ts`, functionProps: tracing ? { tracing } : undefined });
    service.addFailedMessageStore();
    return { service, resources: resourcesOf(service) };
  }

  it('context courier:metricsNamespace sets the functions’ namespace, the dashboard’s and the parked alarm’s', () => {
    const { resources } = sample({ 'courier:metricsNamespace': 'shop' });
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) expect(fn.Properties.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toBe('shop');
    const body = JSON.stringify(ofType(resources, 'AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    expect(body).toContain('\\"shop\\",\\"processed\\"');
    expect(body).not.toContain('\\"courier\\",\\"');
    const parked = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties).find((a) => a.MetricName === 'parked');
    expect(parked?.Namespace).toBe('shop');
  });

  it('context courier:tracing=Disabled turns tracing off everywhere (and its X-Ray grant); a function’s own prop wins; cdk-nag stays clean', () => {
    const { service, resources } = sample({ 'courier:tracing': 'Disabled' }, lambda.Tracing.PASS_THROUGH);
    const functions = ofType(resources, 'AWS::Lambda::Function').map(([, fn]) => fn.Properties);
    const xrayGranted = (fn: Record<string, any>) =>
      ofType(resources, 'AWS::IAM::Policy').some(([, p]) => JSON.stringify(p.Properties.Roles).includes(`"${fn.Role['Fn::GetAtt'][0]}"`) && JSON.stringify(p.Properties).includes('xray:'));
    const passThrough = functions.filter((fn) => fn.TracingConfig?.Mode === 'PassThrough');
    const off = functions.filter((fn) => fn.TracingConfig === undefined);
    expect(passThrough).toHaveLength(1);
    expect(off).toHaveLength(functions.length - 1);
    expect(off.some(xrayGranted)).toBe(false);
    expect(xrayGranted(passThrough[0]!)).toBe(true);
    expect(nagFindings(service)).toEqual([]);
  });

  it('fails at synth on a namespace or tracing mode CloudWatch or Lambda would refuse, or a namespace set behind the dashboard’s back', () => {
    expect(() => sample({ 'courier:metricsNamespace': 'AWS/Lambda' })).toThrow(/courier:metricsNamespace must be a CloudWatch namespace/);
    expect(() => sample({ 'courier:tracing': 'on' })).toThrow(/courier:tracing must be one of Active, PassThrough, Disabled, got "on"/);
    const stack = new Stack(unbundledApp(), 'S', { env: ENV });
    expect(() => new CourierFunction(stack, 'Fn', { code: lambda.Code.fromInline('x'), serviceName: 's', environment: { POWERTOOLS_METRICS_NAMESPACE: 'other' } })).toThrow(
      /POWERTOOLS_METRICS_NAMESPACE is set in the environment; set the context courier:metricsNamespace instead/,
    );
  });
});
