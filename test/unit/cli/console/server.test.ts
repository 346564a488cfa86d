import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startConsole, type RunningConsole } from '../../../../bin/cli/console/server';
import { deployment, fakeQueues, mocks, NOW, resetMocks, testContext } from '../fixture';

const inv = deployment().consumers[0]!;
const poison: Message = {
  MessageId: 'p1',
  Body: '{"detail":{"order_id":"ord-1"}}',
  Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(NOW - 3_600_000) },
  MessageAttributes: { 'courier.error_class': { DataType: 'String', StringValue: 'ContractViolation' }, 'courier.first_failed_at': { DataType: 'String', StringValue: new Date(NOW - 60_000).toISOString() } },
};

/** A raw HTTP request, so Host and Origin can be whatever a hostile page would send. */
function call(running: RunningConsole, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: running.port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('ops console server', () => {
  let running: RunningConsole;
  const asyncapi = { operations: {}, channels: {} };
  beforeAll(async () => {
    running = await startConsole(testContext().ctx, { asyncapi, token: 'T0KEN', logs: new CloudWatchLogsClient({ region: 'us-east-1' }) });
  });
  afterAll(() => running.close());
  beforeEach(() => {
    resetMocks();
    const queues = fakeQueues({ [inv.dlqUrl]: [poison], [inv.queueUrl]: [] });
    mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({ Attributes: { ApproximateNumberOfMessages: String(queues.get(input.QueueUrl)?.length ?? 0) } }));
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    // the fix was deployed 30 s ago, after the poison message's failure a minute ago
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: new Date(NOW - 30_000).toISOString() });
  });
  const api = { 'x-courier-token': 'T0KEN' };
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(running, path, { method: 'POST', headers: { ...api, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('listens on 127.0.0.1 only and prints a URL with the token', () => {
    expect(running.url).toBe(`http://127.0.0.1:${running.port}/?token=T0KEN`);
  });

  it('refuses every request without the right token (403), page and API alike', async () => {
    for (const path of ['/', '/assets/app.js', '/api/dlqs', '/api/topology.svg', '/favicon.ico']) expect((await call(running, path)).status, path).toBe(403);
    expect((await call(running, '/api/dlqs?token=WRONG!')).status).toBe(403);
    expect((await call(running, '/api/dlqs', { headers: { 'x-courier-token': 'T0KEN-and-more' } })).status).toBe(403);
    expect((await call(running, '/api/dlqs', { headers: api })).status).toBe(200);
  });

  it('serves the page with the token in its asset URLs and strict headers', async () => {
    const page = await call(running, '/?token=T0KEN');
    expect(page.status).toBe(200);
    expect(page.body).toContain('src="/assets/app.js?token=T0KEN"');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect((await call(running, '/assets/app.js?token=T0KEN')).headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('refuses a rebinding Host, a cross-site POST, a POST with the token only in the query, and a non-JSON POST (403)', async () => {
    expect((await call(running, '/api/dlqs', { headers: { ...api, host: `evil.example:${running.port}` } })).status).toBe(403);
    expect((await post('/api/dlqs/inventory-orders/redrive', { dryRun: true }, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/api/dlqs/inventory-orders/redrive', { dryRun: true }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const inQuery = await call(running, '/api/dlqs/inventory-orders/redrive?token=T0KEN', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(inQuery.status).toBe(403);
    const form = await call(running, '/api/dlqs/inventory-orders/redrive', { method: 'POST', headers: { ...api, 'content-type': 'application/x-www-form-urlencoded' }, body: 'dryRun=true' });
    expect(form.status).toBe(403);
    expect(mocks.sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(0);
    expect((await post('/api/dlqs/inventory-orders/redrive', { dryRun: true }, { origin: running.origin, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
  });

  it('answers bad input with 400 naming the field, unknown things with 404', async () => {
    expect(JSON.parse((await post('/api/dlqs/inventory-orders/redrive', { errorClass: 7 })).body)).toEqual({ error: 'errorClass: must be a string' });
    expect(JSON.parse((await post('/api/dlqs/inventory-orders/redrive', { everything: true })).body)).toEqual({ error: 'everything: unknown field' });
    expect((await post('/api/dlqs/inventory-orders/delete', {})).status).toBe(400);
    expect(JSON.parse((await call(running, '/api/dlqs/inventory-orders?kind=other', { headers: api })).body).error).toBe('kind: must be dlq, target-dlq or relay-dlq');
    expect((await call(running, '/api/health?minutes=0', { headers: api })).status).toBe(400);
    const bad = await call(running, '/api/dlqs/inventory-orders/delete', { method: 'POST', headers: { ...api, 'content-type': 'application/json' }, body: '{not json' });
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, 'body: not valid JSON']);
    const unknown = await call(running, '/api/dlqs/nobody', { headers: api });
    expect([unknown.status, JSON.parse(unknown.body).hint]).toEqual([404, expect.stringContaining('known consumers: inventory-orders, orders-progress')]);
    expect((await post('/api/dlqs/inventory-orders/delete', { messageId: 'nope' })).status).toBe(404);
    expect((await call(running, '/api/jobs/nope', { headers: api })).status).toBe(404);
    expect((await call(running, '/api/nothing', { headers: api })).status).toBe(404);
  });

  it('redrives through the CLI function as a job with progress, and answers 409 when the guard refuses', async () => {
    const started = JSON.parse((await post('/api/dlqs/inventory-orders/redrive', { errorClass: 'ContractViolation' })).body);
    expect(started).toMatchObject({ what: 'redrive inventory-orders', state: 'running' });
    let job = started;
    for (let i = 0; i < 50 && job.state === 'running'; i++) job = JSON.parse((await call(running, `/api/jobs/${started.id}`, { headers: api })).body);
    expect(job).toMatchObject({ state: 'done', done: 1, total: 1, result: { moved: 1, selection: 'error class ContractViolation' } });

    // the consumer still fails: a message reached the DLQ a minute ago and the function has not changed since
    resetMocks();
    fakeQueues({ [inv.dlqUrl]: [poison] });
    mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1' } });
    mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
    mocks.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    mocks.lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: new Date(NOW - 86_400_000).toISOString() });
    const refused = JSON.parse((await post('/api/dlqs/inventory-orders/redrive', {})).body);
    for (let i = 0; i < 50 && refused.state === 'running'; i++) Object.assign(refused, JSON.parse((await call(running, `/api/jobs/${refused.id}`, { headers: api })).body));
    expect(refused).toMatchObject({ state: 'failed', error: { message: expect.stringContaining('inventory-orders is still failing: a message reached its DLQ 1m00s ago'), hint: expect.stringContaining('--force') } });
    const dry = JSON.parse((await post('/api/dlqs/inventory-orders/redrive', { dryRun: true })).body);
    expect(dry).toMatchObject({ method: 'dry-run', wouldMove: 1, guard: { failing: true } });
  });

  it('exports one message as a download and deletes it', async () => {
    const exported = await call(running, '/api/dlqs/inventory-orders/export?messageId=p1&token=T0KEN');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="InventoryOrdersDlq-p1.json"');
    expect(JSON.parse(exported.body).messages[0]).toMatchObject({ messageId: 'p1', body: poison.Body });
    expect(JSON.parse((await post('/api/dlqs/inventory-orders/delete', { messageId: 'p1' })).body)).toMatchObject({ deleted: true, message: { errorClass: 'ContractViolation' } });
  });
});
