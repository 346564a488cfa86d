import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { OrderCancelledV1, OrderCreatedV1 } from '../../functions/events/orders';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { ServiceStack } from '../../lib/constructs/service-stack';

export const FIXTURES = 'test/fixtures/handlers';
export const ENV = { account: '111111111111', region: 'eu-west-1' };

/**
 * An app whose functions are not bundled (the CDK's own switch, as `cdk synth --exclusively` uses): for
 * tests of template shape and names, which would otherwise spend seconds in esbuild per stack.
 */
export const unbundledApp = (context: Record<string, unknown> = {}) => new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });

/**
 * A service stack as the lead will write them: tables + consumers + outbox + failed messages. With
 * `customerManagedKey`, a key defined in the messaging stack encrypts the service's queues and tables.
 */
export function buildSampleApp(options: { customerManagedKey?: boolean } = {}) {
  const app = new App();
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV, alarmEmail: 'ops@example.com' });
  const encryptionKey = options.customerManagedKey
    ? new kms.Key(messaging, 'DataKey', { enableKeyRotation: true, description: 'courier data' })
    : undefined;
  const service = new ServiceStack(app, 'Inventory', { env: ENV, serviceName: 'inventory', messaging, encryptionKey });
  const stock = service.addTable('Stock', {
    partitionKey: { name: 'sku', type: dynamodb.AttributeType.STRING },
    globalSecondaryIndexes: [
      { indexName: 'by-warehouse', partitionKey: { name: 'warehouse', type: dynamodb.AttributeType.STRING } },
    ],
  });
  const reservations = service.addTable('Reservations', {
    partitionKey: { name: 'order_id', type: dynamodb.AttributeType.STRING },
  });
  const reserve = service.addConsumer('inventory-reserve', {
    events: [OrderCreatedV1],
    entry: `${FIXTURES}/consumer.ts`,
    tables: { STOCK_TABLE: { table: stock, indexes: ['by-warehouse'] }, RESERVATIONS_TABLE: reservations },
  });
  const release = service.addConsumer('inventory-release', {
    events: [OrderCancelledV1],
    entry: `${FIXTURES}/consumer.ts`,
    timeout: Duration.seconds(20),
    batchSize: 50,
    maxBatchingWindow: Duration.seconds(10),
    maxConcurrency: 5,
    maxReceiveCount: 8,
    tables: { STOCK_TABLE: { table: stock, readOnly: true } },
  });
  const failed = service.addFailedMessageStore();
  const outbox = service.addOutbox({ failedMessageTable: failed.table });
  return { app, messaging, service, reserve, release, outbox, failed, stock, reservations, encryptionKey };
}

export type SampleApp = ReturnType<typeof buildSampleApp>;

let cached: SampleApp | undefined;
/** Built once per test file (bundling the fixtures takes ~1 s per function). */
export function sampleApp(): SampleApp {
  cached ??= buildSampleApp();
  return cached;
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** Every AwsSolutions finding (errors and warnings) left unacknowledged in `scope`. */
export function nagFindings(scope: IConstruct): { rule: string; severity: string; path: string }[] {
  const report = new AwsSolutionsChecks().validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, severity: v.severity ?? 'error', path: r.constructPath ?? '' })),
  );
}

/** Logical id of a construct's CFN resource in its stack. */
export function logicalId(construct: IConstruct): string {
  const child = (construct.node.defaultChild ?? construct) as import('aws-cdk-lib').CfnElement;
  return Stack.of(construct).getLogicalId(child);
}

type Cfn = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Cfn[]] };
/** A template value with every `Ref`/`GetAtt` replaced by the logical id it points at. */
const withLogicalIds = (value: Cfn): string =>
  typeof value === 'string' ? value : value.Ref ?? value['Fn::GetAtt']?.[0] ?? value['Fn::Join']![1].map(withLogicalIds).join(value['Fn::Join']![0]);

/** The routes (`METHOD/path`, path parameters as `*`) a role may invoke through execute-api:Invoke, sorted. */
export function invokeGrants(t: Template, role: import('aws-cdk-lib/aws-iam').IRole): string[] {
  const id = logicalId(role);
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: id }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: Cfn | Cfn[] }[])
    .filter((s) => s.Action === 'execute-api:Invoke')
    .flatMap((s) => [s.Resource].flat().map(withLogicalIds))
    .map((arn) => arn.replace(/^.*?:execute-api:[^:]+:[^:]+:[A-Za-z0-9]+\/\*\//, ''))
    .sort();
}

/** `COURIER_API_PERMISSION_ROLES` as the function gets it, with each role ARN shown as the role's logical id. */
export function permissionRolesEnv(value: Cfn): Record<string, string> {
  return JSON.parse(withLogicalIds(value)) as Record<string, string>;
}

/** The one statement active tracing adds to a function's role: X-Ray segment uploads, which take no resource. */
export const XRAY_WRITE_STATEMENT = { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' };

/** A role's statements split into the X-Ray upload statement(s) and the rest (which must all name resources). */
export function splitXRayStatements<T extends { Action: unknown; Resource: unknown }>(statements: T[]): { xray: T[]; rest: T[] } {
  const isXRay = (st: T) => JSON.stringify(st.Action) === JSON.stringify(XRAY_WRITE_STATEMENT.Action);
  return { xray: statements.filter(isXRay), rest: statements.filter((st) => !isXRay(st)) };
}
