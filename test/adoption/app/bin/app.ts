import { App, CfnOutput, Duration } from 'aws-cdk-lib';
import { AttributeType } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { MessagingStack, resolveDeploymentTarget, ServiceStack } from 'courier/constructs';
import { ManifestUploaded, ShipmentDispatchedV1 } from '../src/events.js';

const app = new App();
const target = resolveDeploymentTarget();
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? 'dev';
const messaging = new MessagingStack(app, `${stage}-ShippingMessaging`, { env: target.env, archive: target.archive });
const shipping = new ServiceStack(app, `${stage}-ShippingService`, { env: target.env, serviceName: 'shipping', messaging, tableRemovalPolicy: target.tableRemovalPolicy });

const table = (name: string) => {
  const t = shipping.addTable(name, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
  new CfnOutput(shipping, `${name}Table`, { value: t.tableName });
  return t;
};
const dispatches = table('Dispatches');
const sequences = table('Sequences');
const manifests = table('Manifests');

// adoption: consumers
shipping.addConsumer('dispatch-log', { events: [ShipmentDispatchedV1], entry: 'src/handlers/dispatch-log.ts', tables: { DISPATCH_TABLE: dispatches } });
shipping.addConsumer('dispatch-sequence', { events: [ShipmentDispatchedV1], entry: 'src/handlers/dispatch-sequence.ts', fifo: true, timeout: Duration.seconds(5), tables: { SEQUENCE_TABLE: sequences } });
// S3 sends its events to the account's default bus
const defaultBus = EventBus.fromEventBusName(shipping, 'DefaultBus', 'default');
shipping.addConsumer('manifest', { events: [ManifestUploaded], bus: defaultBus, entry: 'src/handlers/manifest.ts', tables: { MANIFEST_TABLE: manifests } });
// adoption: end
