import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newEventId } from '../../functions/contracts/event-id';
import { DEFAULT_REGION } from '../../bin/cli/local/engine';
import { waitFor } from '../../scripts/local/system';

/**
 * The toolkit adopted by a second, independent app (test/adoption/app), as a team would: from the
 * `npm pack` tarball, installed into a directory outside the repository, with its own event, its own
 * consumers and its own stacks on the local engine. Nothing here reaches into the repository's sources.
 */
const APP = resolve('test/adoption/app');
const STAGE = 'adopt';
const timings: Record<string, number> = {};
let root: string;
let dir: string;
let outputs: Record<string, Record<string, string>>;

/** Runs a command in the adopting app, failing with its output; returns stdout. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  timings[`${command} ${args.slice(0, 2).join(' ')}`] = (Date.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`.slice(-6_000));
  return r.stdout;
}

/** Lines of the app's own declarations: its consumer block in bin/app.ts (code lines) and each handler file. */
function lineCounts(): Record<string, number> {
  const code = (lines: string[]) => lines.filter((l) => l.trim() && !/^\s*(\/\/|\/\*\*|\*)/.test(l));
  const app = readFileSync(join(APP, 'bin/app.ts'), 'utf8').split('\n');
  const block = code(app.slice(app.findIndex((l) => l.includes('adoption: consumers')) + 1, app.findIndex((l) => l.includes('adoption: end'))));
  const counts: Record<string, number> = { 'bin/app.ts consumer block (3 consumers + the default-bus reference)': block.length };
  for (const file of readdirSync(join(APP, 'src/handlers'))) counts[`src/handlers/${file}`] = code(readFileSync(join(APP, 'src/handlers', file), 'utf8').split('\n')).length;
  return counts;
}

describe('a second app adopts courier from its npm package', () => {
  const endpoint = () => inject('endpoint');
  const clients = () => {
    const config = { endpoint: endpoint(), region: DEFAULT_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    return { events: new EventBridgeClient(config), dynamodb: new DynamoDBClient(config), sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }) };
  };
  const output = (component: string, key: string) => {
    const value = outputs[`${STAGE}-Shipping${component}`]?.[key];
    if (!value) throw new Error(`no output ${key} on ${STAGE}-Shipping${component}: ${JSON.stringify(Object.keys(outputs))}`);
    return value;
  };
  const bus = () => (JSON.parse(output('Messaging', 'CourierBus')) as { busName: string }).busName;
  /** A consumer's queue drained and its DLQ empty. */
  const settled = async (name: string) => {
    const c = JSON.parse(output('Service', `CourierConsumer${name.split('-').map((p) => p[0]!.toUpperCase() + p.slice(1)).join('')}`)) as { queueUrl: string; dlqUrl: string };
    const count = async (url: string) => {
      const a = (await clients().sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
      return Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible);
    };
    await waitFor(`${name} drained`, async () => ((await count(c.queueUrl)) === 0 ? true : undefined), 60_000);
    expect(await count(c.dlqUrl)).toBe(0);
  };
  const item = async (table: string, pk: string) => {
    const { Item } = await clients().dynamodb.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }));
    return Item && unmarshall(Item);
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'courier-adoption-'));
    dir = join(root, 'shipping-app');
    const started = Date.now();
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], { encoding: 'utf8' })) as { filename: string; size: number }[];
    timings['npm pack'] = (Date.now() - started) / 1000;
    cpSync(join(root, packed[0]!.filename), join(root, 'courier.tgz'));
    cpSync(APP, dir, { recursive: true, filter: (src) => !src.includes('node_modules') });
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  });
  afterAll(() => {
    process.stdout.write(`\nadoption: ${JSON.stringify({ timings, lines: lineCounts() }, null, 2)}\n`);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('installs from the tarball and its entry points load with plain node; the courier bin runs', () => {
    for (const entry of ['contracts', 'runtime', 'constructs', 'testing', 'cli']) {
      run('node', ['-e', `import('courier/${entry}').then((m) => { if (Object.keys(m).length === 0) process.exit(1); })`]);
    }
    expect(run('npx', ['courier', '--help'])).toContain('usage: courier <command>');
  });

  it("type-checks against the package's declarations", () => {
    run('npx', ['tsc', '--noEmit']);
  });

  it('unit-tests one handler with courier/testing and aws-sdk-client-mock', () => {
    expect(run('npx', ['vitest', 'run'])).toMatch(/1 passed/);
  });

  it('synthesizes and deploys its own stacks to the local engine, settings read back', () => {
    const out = run('npx', ['courier', 'local', 'deploy', '--endpoint-url', endpoint(), '--stage', STAGE]);
    expect(out).toMatch(/read back \d+ settings/);
    outputs = JSON.parse(readFileSync(join(dir, '.local/cdk-outputs.json'), 'utf8'));
    expect(Object.keys(outputs).sort()).toEqual([`${STAGE}-ShippingMessaging`, `${STAGE}-ShippingService`]);
  });

  it('its standard consumer records a published shipment, once', async () => {
    const detail = { shipment_id: 'shp-1', order_id: 'ord-9', carrier: 'dhl', sequence: 1, event_id: newEventId(), occurred_at: new Date().toISOString(), version: 1, correlation_id: 'adoption' };
    const entry = { EventBusName: bus(), Source: 'acme.shipping', DetailType: 'shipment.dispatched.v1', Detail: JSON.stringify(detail) };
    await clients().events.send(new PutEventsCommand({ Entries: [entry, entry] }));
    const table = output('Service', 'DispatchesTable');
    expect(await waitFor('the dispatch record', () => item(table, 'SHIPMENT#shp-1'), 60_000)).toMatchObject({ carrier: 'dhl', order_id: 'ord-9' });
    // its write is conditional on a new item: a second run would have failed into the DLQ
    await settled('dispatch-log');
  });

  it('its FIFO consumer applies one group in order, holding the group behind a failing record', async () => {
    const sequences = [11, 12, 13, 14, 15];
    const entries = sequences.map((sequence) => ({
      EventBusName: bus(),
      Source: 'acme.shipping',
      DetailType: 'shipment.dispatched.v1',
      Detail: JSON.stringify({ shipment_id: `shp-${sequence}`, order_id: 'ord-fifo', carrier: 'ups', sequence, event_id: newEventId(), occurred_at: new Date().toISOString(), version: 1, correlation_id: 'adoption' }),
    }));
    // one call per event: EventBridge delivers a call's entries to the FIFO queue in the order sent
    for (const e of entries) await clients().events.send(new PutEventsCommand({ Entries: [e] }));
    const table = output('Service', 'SequencesTable');
    const done = await waitFor('the whole sequence', async () => {
      const row = await item(table, 'ORDER#ord-fifo');
      return (row?.sequence as number[] | undefined)?.length === sequences.length ? row : undefined;
    }, 120_000, 1_000);
    // 13 failed on its first delivery: 14 and 15 waited behind it instead of overtaking it
    expect(done.sequence).toEqual(sequences);
  });

  it('its consumer of an AWS-service event (aws.s3 Object Created) listens on the default bus and records an upload once', async () => {
    const consumer = JSON.parse(output('Service', 'CourierConsumerManifest')) as { queueUrl: string; ruleName: string };
    // the rule, read back: on the account's default bus, matching S3's source and detail-type
    const rule = await clients().events.send(new DescribeRuleCommand({ Name: consumer.ruleName, EventBusName: 'default' }));
    expect(JSON.parse(rule.EventPattern!)).toMatchObject({ source: ['aws.s3'], 'detail-type': ['Object Created'] });
    // EventBridge reserves aws.* sources for AWS (PutEvents answers NotAuthorizedForSourceException, on the
    // engine as on AWS): deliver the event as the rule would, twice, under two EventBridge ids.
    const detail = { version: '0', bucket: { name: 'manifests' }, object: { key: 'dhl/2026-11-30.csv', size: 120, sequencer: '0068B3A1D2E' }, reason: 'PutObject' };
    const refused = await clients().events.send(new PutEventsCommand({ Entries: [{ Source: 'aws.s3', DetailType: 'Object Created', Detail: JSON.stringify(detail) }] }));
    expect(refused.Entries?.[0]?.ErrorCode).toBe('NotAuthorizedForSourceException');
    for (const id of ['s3-evt-1', 's3-evt-2']) {
      const body = JSON.stringify({ version: '0', id, 'detail-type': 'Object Created', source: 'aws.s3', account: '000000000000', time: new Date().toISOString(), region: DEFAULT_REGION, resources: ['arn:aws:s3:::manifests'], detail });
      await clients().sqs.send(new SendMessageCommand({ QueueUrl: consumer.queueUrl, MessageBody: body }));
    }
    const table = output('Service', 'ManifestsTable');
    expect(await waitFor('the manifest record', () => item(table, 'MANIFEST#dhl/2026-11-30.csv'), 60_000)).toMatchObject({ bucket: 'manifests' });
    // keyed by the S3 sequencer, not by EventBridge's id: the second delivery is a duplicate, its
    // conditional write never runs (it would fail into the DLQ)
    await settled('manifest');
  });
});
