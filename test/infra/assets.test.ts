import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveDeploymentTarget } from '../../lib/constructs/deployment-target';
import { MessagingStack } from '../../lib/constructs/messaging-stack';
import { buildReferenceApp } from '../../lib/stacks/reference-app';
import { OrdersStack } from '../../lib/stacks/orders-stack';
import { RiskStack } from '../../lib/stacks/risk-stack';
import { chaosInstrumentation } from '../../scripts/chaos/instrumentation';
import { ENV } from './helpers';

/** Strings only the fault-injection module contains. */
const FAULT_MARKERS = ['COURIER_FAULTS', 'fault injected', 'InjectedTransientFault'];
/** Strings only the request-counting module (scripts/cost) contains. */
const COUNTING_MARKERS = ['COURIER_COUNT_REQUESTS', 'courier_cost', 'courierCountRequests'];
const TEST_ONLY_MARKERS = [...FAULT_MARKERS, ...COUNTING_MARKERS];
const outdirs: string[] = [];
afterAll(() => outdirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Every bundle (.mjs) of a synthesized cloud assembly. */
function bundles(outdir: string): { asset: string; code: string }[] {
  return readdirSync(outdir)
    .filter((d) => d.startsWith('asset.') && statSync(join(outdir, d)).isDirectory())
    .flatMap((d) => readdirSync(join(outdir, d)).filter((f) => f.endsWith('.mjs')).map((f) => ({ asset: `${d}/${f}`, code: readFileSync(join(outdir, d, f), 'utf8') })));
}

const newOutdir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'courier-assets-'));
  outdirs.push(dir);
  return dir;
};

describe('no test-only code in production bundles', () => {
  it('no asset of the reference app synthesized for AWS contains the fault-injection or the request-counting module', { timeout: 180_000 }, () => {
    const outdir = newOutdir();
    const app = new App({ outdir });
    buildReferenceApp(app, { target: resolveDeploymentTarget({}) });
    app.synth();
    const all = bundles(outdir);
    // 9 functions of the reference services + the 3 prebuilt toolkit handlers (one asset each, shared by every stack)
    expect(all.length).toBe(12);
    for (const { asset, code } of all) for (const marker of TEST_ONLY_MARKERS) expect(code.includes(marker), `${asset} contains "${marker}"`).toBe(false);
  });

  it('the local deployment carries both, in its consumers and in the toolkit handlers it builds from source (so the check above can fail)', { timeout: 120_000 }, () => {
    const outdir = newOutdir();
    const app = new App({ outdir });
    const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
    new RiskStack(app, 'Risk', { env: ENV, messaging, ...chaosInstrumentation() });
    app.synth();
    const all = bundles(outdir);
    const consumer = all.filter(({ code }) => code.includes('risk.assessed.v1'));
    expect(consumer.length).toBeGreaterThan(0);
    // the risk stack's failed-message retrier, built from source with the same injection
    const retrier = all.filter(({ code }) => code.includes('parked') && !code.includes('risk.assessed.v1'));
    expect(retrier.length).toBeGreaterThan(0);
    for (const { asset, code } of [...consumer, ...retrier]) for (const marker of TEST_ONLY_MARKERS) expect(code.includes(marker), `${asset} lacks "${marker}"`).toBe(true);
  });

  it('the local deployment carries both in an HTTP API function too (the stack\'s bundling reaches it)', { timeout: 120_000 }, () => {
    const outdir = newOutdir();
    const app = new App({ outdir });
    const messaging = new MessagingStack(app, 'Messaging', { env: ENV });
    new OrdersStack(app, 'Orders', { env: ENV, messaging, ...chaosInstrumentation() });
    app.synth();
    const api = bundles(outdir).filter(({ code }) => code.includes('Idempotency-Key must be'));
    expect(api).toHaveLength(1);
    for (const marker of TEST_ONLY_MARKERS) expect(api[0]!.code.includes(marker), `${api[0]!.asset} lacks "${marker}"`).toBe(true);
  });
});
