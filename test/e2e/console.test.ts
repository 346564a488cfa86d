import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readAsyncApi } from '../../bin/cli/console/command';
import { startConsole, type RunningConsole } from '../../bin/cli/console/server';
import { createContext, dlqList, type Context } from '../../bin/cli/index';
import { plugin as ordersPlugin } from '../../scripts/ops/orders-plugin';
import { launchChromium } from '../../scripts/browser/chromium';
import { applyEngineEnv } from '../../bin/cli/local/engine';
import { envelope, placeOrder, sendToQueue, settled, waitForOrder } from '../../scripts/local/actions';
import { setFunctionEnv } from '../../scripts/local/function-config';
import { waitFor, type LocalSystem } from '../../scripts/local/system';
import { freshSystem } from './system';

/** Screenshots of each page land here (committed: the README shows them). */
const SHOTS = 'docs/console';
const timings: Record<string, number> = {};
async function timed<T>(step: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await run();
  } finally {
    timings[step] = (Date.now() - started) / 1000;
  }
}

/**
 * The ops console in headless Chromium (Debian's package, driven by playwright-core) against the
 * deployed system: the topology shows every consumer; a consumer breaks and a poison message arrives,
 * and the Failed messages page shows each error class with its reason; the trace page diagnoses the
 * order; after the fix, redriving the group from the page empties it and the order completes; the poison
 * message is exported and deleted from the page. Every page is screenshotted into docs/console/, and any
 * page showing an error (or throwing) fails the test.
 */
describe('ops console in a browser against the local engine', () => {
  let sys: LocalSystem;
  let ctx: Context;
  let running: RunningConsole;
  let browser: BrowserContext;
  let page: Page;
  let redrivePolicy: string;
  let orderId: string;
  const pageErrors: string[] = [];
  const points = () => sys.consumer('points-ledger');

  /** Opens a page by its hash and waits until it finished loading; fails on an error box or a script error. */
  async function open(hash: string, ready: string): Promise<void> {
    await page.goto(`${running.url}${hash}`);
    await page.locator(ready).first().waitFor({ timeout: 60_000 });
    await page.locator('.loading').waitFor({ state: 'detached', timeout: 60_000 });
    await expectNoError();
  }
  async function expectNoError(): Promise<void> {
    const errors = await page.locator('.error').allTextContents();
    expect(errors, 'the page shows an error').toEqual([]);
    expect(pageErrors, 'script errors or failed requests on the page').toEqual([]);
  }
  const shoot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  beforeAll(async () => {
    applyEngineEnv(inject('endpoint'));
    sys = await freshSystem({ 'SKU-TEA': 100 });
    ctx = createContext({ plugins: [ordersPlugin] });
    redrivePolicy = (await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: points().queueUrl, AttributeNames: ['RedrivePolicy'] }))).Attributes!.RedrivePolicy!;
    running = await startConsole(ctx, { asyncapi: await readAsyncApi('contracts/asyncapi.json') });
    browser = await timed('browser launch', () => launchChromium());
    page = await browser.newPage();
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(`console: ${m.text()}`));
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: sys.tables.points });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: redrivePolicy } }));
    process.stdout.write(`\nconsole browser test timings (s): ${JSON.stringify(timings)}\n`);
  });

  it('serves on 127.0.0.1 only and refuses requests without the token or from another origin (403)', async () => {
    expect(new URL(running.url).hostname).toBe('127.0.0.1');
    expect((await fetch(`${running.origin}/api/dlqs`)).status).toBe(403);
    expect((await fetch(`${running.origin}/`)).status).toBe(403);
    expect((await fetch(`${running.origin}/api/dlqs?token=wrong`)).status).toBe(403);
    const post = (headers: Record<string, string>) =>
      fetch(`${running.origin}/api/dlqs/points-ledger/redrive`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"dryRun":true}' });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-courier-token': running.token, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ 'x-courier-token': running.token })).status).toBe(200);
  });

  it('topology: every deployed consumer, drawn from the AsyncAPI document and the stack outputs', async () => {
    await timed('topology page', () => open('#topology', '#consumers'));
    for (const c of sys.deployment.consumers) await expect(page.locator(`#consumers tr[data-consumer="${c.name}"]`).count(), c.name).resolves.toBe(1);
    expect(await page.locator('#topology-diagram').evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await expect(page.locator('#differences').textContent()).resolves.toContain('no differences');
    const svg = await (await fetch(`${running.origin}/api/topology.svg?token=${running.token}`)).text();
    for (const c of sys.deployment.consumers) expect(svg).toContain(`data-node="consumer:${c.name}"`);
    writeFileSync('docs/topology.svg', `${svg}\n`);
    writeFileSync('docs/topology.mmd', await (await fetch(`${running.origin}/api/topology.mmd?token=${running.token}`)).text());
    await shoot('topology');
  });

  it('failed messages: a broken consumer and a poison message, each error class with its reason; trace diagnoses the order', async () => {
    // the points consumer breaks (a wrong table: every record fails) and SQS gives up after one try; a poison message arrives too
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: 'no-such-table' });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: JSON.stringify({ ...JSON.parse(redrivePolicy), maxReceiveCount: 1 }) } }));
    orderId = (await placeOrder(sys, { user_id: 'console-night', lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 1500 }] })).body.order_id;
    await sendToQueue(sys, 'points-ledger', envelope('order.created.v1', 'courier.orders', { order_id: 'ord-poison', total_minor: -1 }));
    await timed('poisoned messages reach the DLQ', () =>
      waitFor('2 messages in the points-ledger DLQ', async () => ((await dlqList(ctx)).find((r) => r.owner === 'points-ledger' && r.kind === 'dlq')!.depth >= 2 ? true : undefined), 90_000, 2_000),
    );

    await timed('failed messages page', () => open('#failed', 'article.dlq[data-owner="points-ledger"]'));
    const dlq = page.locator('article.dlq[data-owner="points-ledger"][data-kind="dlq"]');
    const poison = dlq.locator('.group[data-error-class="ContractViolation"]');
    await expect(poison.locator('.reason').first().textContent()).resolves.toMatch(/^reason: order\.created\.v1: .*total_minor/);
    await expect(poison.locator('tr[data-message-id]').first().textContent()).resolves.toContain('ord-poison');
    const crashed = dlq.locator('.group[data-error-class="RedriveExhausted"]');
    await expect(crashed.locator('.reason').first().textContent()).resolves.toContain('no runtime verdict');
    await expect(crashed.locator('tr[data-message-id]').first().textContent()).resolves.toContain(orderId);
    await expect(page.locator('#failed-count').textContent()).resolves.toBe('2');
    await crashed.locator('tr[data-message-id] button', { hasText: 'Open' }).first().click();
    await expect(crashed.locator('tr.details pre.body').first().textContent()).resolves.toContain(orderId);
    await shoot('failed-messages');

    await timed('trace page', () => open(`#trace/${encodeURIComponent(orderId)}`, '#diagnosis'));
    await expect(page.locator('#diagnosis').textContent()).resolves.toMatch(/points-ledger has no record of order\.created\.v1 .* and its DLQ holds it: RedriveExhausted/);
    await shoot('trace');
  });

  it('after the fix, redriving the group from the page empties it and the order completes; the poison message is exported and deleted', async () => {
    await setFunctionEnv(sys.clients.lambda, points().functionName, { POINTS_TABLE: sys.tables.points });
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: points().queueUrl, Attributes: { RedrivePolicy: redrivePolicy } }));

    await open('#failed', 'article.dlq[data-owner="points-ledger"]');
    const dlq = page.locator('article.dlq[data-owner="points-ledger"][data-kind="dlq"]');
    await dlq.locator('.group[data-error-class="RedriveExhausted"] button.redrive-group').click();
    const dialog = page.locator('dialog#confirm');
    await expect(dialog.locator('#guard').textContent()).resolves.toMatch(/Guard: .*before the function changed/);
    await expect(dialog.locator('#confirm-body').textContent()).resolves.toContain('Move 1 message(s) (error class RedriveExhausted)');
    await timed('redrive from the page', async () => {
      await dialog.locator('#confirm-ok').click();
      await dialog.locator('#confirm-result .ok').waitFor({ timeout: 60_000 });
    });
    await expect(dialog.locator('#confirm-result').textContent()).resolves.toMatch(/^moved 1 message\(s\)/);
    await expect(dialog.locator('#confirm-progress').evaluate((p) => [(p as unknown as { value: number }).value, (p as unknown as { max: number }).max])).resolves.toEqual([1, 1]);
    await dialog.locator('#confirm-cancel').click();

    const order = await timed('order completes after the redrive', () => waitForOrder(sys, orderId, settled, 90_000));
    expect(order.progress.points).toBe(15);

    await open('#failed', 'article.dlq[data-owner="points-ledger"]');
    const row = page.locator('.group[data-error-class="ContractViolation"] tr[data-message-id]').first();
    const messageId = (await row.getAttribute('data-message-id'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), row.locator('a', { hasText: 'Export' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported.messages.map((m: { messageId: string; attributes: Record<string, string> }) => [m.messageId, m.attributes['courier.error_class']])).toEqual([[messageId, 'ContractViolation']]);
    await row.locator('button', { hasText: 'Delete' }).click();
    await dialog.locator('#confirm-ok').click();
    await dialog.locator('#confirm-result .ok').waitFor({ timeout: 30_000 });
    await expect(dialog.locator('#confirm-result').textContent()).resolves.toBe(`deleted ${messageId}`);
    await dialog.locator('#confirm-cancel').click();

    await page.locator('p.ok', { hasText: 'Every dead-letter queue is empty.' }).waitFor({ timeout: 30_000 });
    await expectNoError();
    expect((await dlqList(ctx)).filter((r) => r.depth > 0)).toEqual([]);
    await open(`#trace/${encodeURIComponent(orderId)}`, '#diagnosis');
    await expect(page.locator('#diagnosis').textContent()).resolves.toMatch(/all consumers completed; order CONFIRMED/);
  });

  it('health and outbox pages: every consumer live, no errors', async () => {
    await timed('health page', () => open('#health', '#health'));
    for (const c of sys.deployment.consumers) await expect(page.locator(`#health tr[data-consumer="${c.name}"]`).count(), c.name).resolves.toBe(1);
    await expect(page.locator('#health tr[data-consumer="points-ledger"] td').nth(7).textContent()).resolves.not.toBe('0');
    // refreshes without reloading: the stamp changes while the page stays
    const first = await page.locator('#health-updated').textContent();
    await page.locator('#health-updated', { hasNotText: first! }).waitFor({ timeout: 15_000 });
    await shoot('health');
    await timed('outbox page', () => open('#outbox', '#outboxes'));
    await shoot('outbox');
    await expectNoError();
  });
});
