import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peekDlq } from '../../bin/cli/dlq-messages';
import { envelope, getOrder, outboxRows, placeOrder, putConfig, recordLogin, resend, sendToQueue, settled, waitForOrder } from '../../scripts/local/actions';
import { setEventSourceEnabled, setFunctionEnv } from '../../scripts/local/function-config';
import { consumerOutcomes } from '../../scripts/local/outcomes';
import { waitFor, type LocalSystem } from '../../scripts/local/system';
import { freshSystem } from './system';

const tea = { sku: 'SKU-TEA', qty: 2, unit_price_minor: 450 };
let sys: LocalSystem;
const stock = async (sku: string) =>
  unmarshall((await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.stock, Key: { pk: { S: `SKU#${sku}` } }, ConsistentRead: true }))).Item!).available as number;
const balance = async (user: string) => {
  const item = (await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.points, Key: { pk: { S: `USER#${user}` } }, ConsistentRead: true }))).Item;
  return item ? (unmarshall(item).balance as number) : 0;
};
const outcomes = (consumer: string, since: number) => consumerOutcomes(sys.clients.logs, sys.consumer(consumer), since);

beforeAll(async () => {
  sys = await freshSystem({ 'SKU-TEA': 100 });
});

describe('duplicate delivery', () => {
  it('the same order.created.v1 delivered twice (same event_id) changes nothing', async () => {
    const placed = await placeOrder(sys, { user_id: 'dup-user', lines: [tea] });
    const order = await waitForOrder(sys, placed.body.order_id, settled);
    const [before, points] = [await stock('SKU-TEA'), await balance('dup-user')];
    const since = Date.now();
    const [created] = (await outboxRows(sys, order.order_id)).filter((r) => r.detail_type === 'order.created.v1');
    await resend(sys, created!);
    for (const consumer of ['inventory-orders', 'risk-assess', 'points-ledger']) {
      await expect.poll(async () => (await outcomes(consumer, since)).duplicate, { timeout: 30_000, interval: 1_000 }).toBe(1);
      expect((await outcomes(consumer, since)).processed, consumer).toBe(0);
    }
    expect(await stock('SKU-TEA')).toBe(before);
    expect(await balance('dup-user')).toBe(points);
    expect((await getOrder(sys, order.order_id)).body).toMatchObject({ status: order.status, progress: order.progress });
  });
});

describe('transient failure', () => {
  const fn = () => sys.consumer('points-ledger').functionName;
  afterAll(async () => setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: undefined }));

  it('a consumer that fails transiently recovers by redelivery, with nothing lost or doubled', async () => {
    await setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: JSON.stringify({ transient: 1 }) });
    const since = Date.now();
    const placed = await placeOrder(sys, { user_id: 'flaky-user', lines: [tea] });
    await expect.poll(async () => (await outcomes('points-ledger', since)).retry, { timeout: 30_000, interval: 1_000 }).toBeGreaterThanOrEqual(1);
    expect((await getOrder(sys, placed.body.order_id)).body.progress.points).toBeNull();
    await setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: undefined });
    const order = await waitForOrder(sys, placed.body.order_id, settled, 90_000);
    expect(order.progress.points).toBe(9);
    expect(await balance('flaky-user')).toBe(9);
    expect((await outcomes('points-ledger', since)).processed).toBe(1);
    expect(await peekDlq(sys.clients.sqs, sys.consumer('points-ledger').dlqUrl, 10)).toEqual([]);
  });
});

describe('deadline', () => {
  const fn = () => sys.consumer('risk-assess').functionName;
  afterAll(async () => setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: undefined }));

  it('a record whose handler exceeds its deadline is retried, not lost', async () => {
    await setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: JSON.stringify({ timeout: 1 }) });
    const since = Date.now();
    const placed = await placeOrder(sys, { user_id: 'slow-user', lines: [tea] });
    await expect.poll(async () => (await outcomes('risk-assess', since)).retry, { timeout: 60_000, interval: 1_000 }).toBeGreaterThanOrEqual(1);
    await setFunctionEnv(sys.clients.lambda, fn(), { COURIER_FAULTS: undefined });
    const order = await waitForOrder(sys, placed.body.order_id, settled, 120_000);
    expect(order.progress.risk).toEqual({ score: 0, decision: 'approve' });
    expect(order.status).toBe('CONFIRMED');
  });
});

describe('poison message', () => {
  it('ends in the DLQ with its reason within one delivery, while good records flow', async () => {
    const inventory = sys.consumer('inventory-orders');
    const { Attributes } = await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: inventory.queueUrl, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!).maxReceiveCount).toBeGreaterThanOrEqual(5); // the redrive exists as configured
    const since = Date.now();
    await sendToQueue(sys, 'inventory-orders', envelope('order.created.v1', 'courier.orders', { order_id: 'ord-poison', lines: [{ sku: 'SKU-TEA', qty: 0 }] }));
    const good = await placeOrder(sys, { user_id: 'good-user', lines: [tea] });
    const [poison] = await waitFor('the poison message in the DLQ', async () => {
      const messages = await peekDlq(sys.clients.sqs, inventory.dlqUrl, 10);
      return messages.length > 0 ? messages : undefined;
    }, 30_000);
    // receive count 1 = our own peek: the runtime sent it here itself (a redrive would carry the source's ≥ 5)
    expect(poison).toMatchObject({ errorClass: 'ContractViolation', consumer: 'inventory-orders', detailType: 'order.created.v1', receiveCount: 1, businessKey: 'ord-poison' });
    expect(await outcomes('inventory-orders', since)).toMatchObject({ quarantined: 1, retry: 0 }); // on its first delivery
    expect(poison!.errorMessage).toMatch(/event_id|lines\[0\]\.qty/);
    expect(JSON.parse(poison!.body).detail.order_id).toBe('ord-poison'); // the original body, untouched
    await waitForOrder(sys, good.body.order_id, settled);
  });
});

describe('outbox sweeper', () => {
  const relay = () => sys.deployment.outboxes.find((o) => o.service === 'orders')!;
  afterAll(async () => {
    await setEventSourceEnabled(sys.clients.lambda, relay().relayFunctionName, true);
    await setFunctionEnv(sys.clients.lambda, relay().sweeperFunctionName, { SWEEP_AFTER_SECONDS: undefined });
  });

  it('publishes an order whose outbox row was written while the relay was disabled', async () => {
    await setEventSourceEnabled(sys.clients.lambda, relay().relayFunctionName, false);
    await setFunctionEnv(sys.clients.lambda, relay().sweeperFunctionName, { SWEEP_AFTER_SECONDS: '1' });
    const placed = await placeOrder(sys, { user_id: 'swept-user', lines: [tea] });
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await outboxRows(sys, placed.body.order_id)).map((r) => r.status)).toEqual(['PENDING']);
    expect((await getOrder(sys, placed.body.order_id)).body.progress.risk).toBeNull(); // never announced
    const swept = await sys.clients.lambda.send(new InvokeCommand({ FunctionName: relay().sweeperFunctionName, Payload: Buffer.from('{}') }));
    expect(swept.FunctionError).toBeUndefined();
    const order = await waitForOrder(sys, placed.body.order_id, settled);
    expect(order.status).toBe('CONFIRMED');
    const [row] = (await outboxRows(sys, placed.body.order_id)).filter((r) => r.detail_type === 'order.created.v1');
    expect(row!.status).toBe('PUBLISHED');
  });
});

describe('broadcast', () => {
  it('a sign-in and a configuration change reach every subscriber', async () => {
    const login = await recordLogin(sys, { user_id: 'bcast-user', ip: '198.51.100.4', user_agent: 'e2e' });
    expect(login.status).toBe(202);
    const change = await putConfig(sys, 'e2e.flag', { value: 'on', changed_by: 'e2e' });
    expect(change.status).toBe(202);
    const get = (TableName: string, pk: string) => sys.clients.dynamodb.send(new GetItemCommand({ TableName, Key: { pk: { S: pk } } }));
    await expect.poll(async () => (await get(sys.tables.loginCounter, 'USER#bcast-user')).Item?.logins?.N, { timeout: 30_000, interval: 1_000 }).toBe('1');
    await expect.poll(async () => (await get(sys.tables.configCache, 'CONFIG#e2e.flag')).Item?.value?.S, { timeout: 30_000, interval: 1_000 }).toBe('on');
    await expect
      .poll(async () => {
        const { Items = [] } = await sys.clients.dynamodb.send(new ScanCommand({ TableName: sys.tables.audit }));
        return Items.map((i) => unmarshall(i).event_id).sort();
      }, { timeout: 30_000, interval: 1_000 })
      .toEqual([login.body.event_id, change.body.event_id].sort());
  });
});
