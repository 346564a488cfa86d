import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { INVENTORY_SOURCE } from '../../functions/events/inventory';
import { OrderCancelledV1, OrderCreatedV1 } from '../../functions/events/orders';
import { Duration } from 'aws-cdk-lib';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { ServiceStack } from '../../lib/constructs/service-stack';

export const FIXTURES = 'test/fixtures/handlers';
export const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A service stack as the lead will write them: tables + consumers + outbox + failed messages. */
export function buildSampleApp() {
  const app = new App();
  const messaging = new MessagingStack(app, 'Messaging', { env: ENV, alarmEmail: 'ops@example.com' });
  const service = new ServiceStack(app, 'Inventory', { env: ENV, serviceName: 'inventory', messaging });
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
  // no services map here: the publishers' sources are named explicitly
  const failed = service.addFailedMessageStore({ sources: [INVENTORY_SOURCE] });
  const outbox = service.addOutbox({ maxAttempts: 6, sources: [INVENTORY_SOURCE] });
  return { app, messaging, service, reserve, release, outbox, failed, stock, reservations };
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
