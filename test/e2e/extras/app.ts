import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Consumer, IdempotencyTable, resolveDeploymentTarget } from 'courier/constructs';
import { SequenceSteppedV1 } from './events';
import { FIFO_CONSUMER, FIFO_STACK } from './names';

/**
 * The e2e suite's own stack, deployed by test/e2e/fifo.test.ts beside the reference app on the local engine
 * (never to AWS, never part of bin/app.ts): a FIFO consumer on the shared bus, so the reference app keeps
 * no test-only consumer. Context: `busName`, `alarmTopicArn` (from the messaging stack's output).
 */

const app = new App();
const target = resolveDeploymentTarget();
const stack = new Stack(app, FIFO_STACK, { env: target.env, description: 'courier e2e: a FIFO consumer (ordering, short-circuit)' });
const runs = new dynamodb.Table(stack, 'Runs', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
  removalPolicy: RemovalPolicy.DESTROY,
});
new Consumer(stack, 'Fifo', {
  name: FIFO_CONSUMER,
  serviceName: 'e2e',
  bus: events.EventBus.fromEventBusName(stack, 'Bus', app.node.getContext('busName') as string),
  alarmTopic: sns.Topic.fromTopicArn(stack, 'Alarms', app.node.getContext('alarmTopicArn') as string),
  idempotencyTable: new IdempotencyTable(stack, 'Idempotency', { removalPolicy: RemovalPolicy.DESTROY }).table,
  events: [SequenceSteppedV1],
  entry: 'test/e2e/extras/fifo-recorder.ts',
  fifo: true,
  // a failed step comes back after the visibility timeout (6 × 5 s): short, so the test stays short
  timeout: Duration.seconds(5),
  tables: { RUNS_TABLE: runs },
});
new CfnOutput(stack, 'RunsTable', { value: runs.tableName });
app.synth();
