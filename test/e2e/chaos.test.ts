import { describe, expect, inject, it } from 'vitest';
import { chaosOptions, runChaos, type ChaosResult } from '../../scripts/chaos/driver';
import { renderChaosTable } from '../../scripts/chaos/report';
import { connect } from '../../scripts/local/system';

/**
 * The fault-injection run (issue 8) at e2e size: the same driver as `npm run chaos`, with fewer orders
 * at a faster pace so the file stays within a few minutes (a crashed batch alone waits out the queue's
 * 180 s visibility timeout). Every fault kind is on; then a short permanent window (a bug deployed to
 * points-ledger for 20 orders, its messages driven into its DLQ, fixed, redriven with the ops CLI) and a
 * replay of that window to points-ledger. The run must lose nothing and double nothing.
 */
const ORDERS = 400;

describe('fault injection on the deployed system', () => {
  let result: ChaosResult;

  it(`${ORDERS} orders under transient errors, timeouts, crashes, throttling and duplicates: nothing lost, nothing doubled`, { timeout: 15 * 60_000 }, async () => {
    const sys = await connect(inject('endpoint'));
    result = await runChaos(sys, chaosOptions(ORDERS, { perSecond: 20, budgetMs: 12 * 60_000, log: (l) => process.stderr.write(`[chaos] ${l}\n`) }));
    process.stdout.write(`\n${renderChaosTable(result, `Fault-injection run (e2e): ${ORDERS} orders`)}\n`);

    expect(result.unsettled).toEqual([]);
    expect(result.invariants.lost).toBe(0);
    expect(result.invariants.doubleEffects).toBe(0);
    for (const check of result.invariants.checks) expect(check.ok, `${check.name}: ${check.detail}`).toBe(true);
    expect(result.ok).toBe(true);
  });

  it('the permanent window filled the buggy consumer\'s DLQ, the redrive put it all back, and the replay of the window completed', () => {
    expect(result).toBeDefined();
    expect(result.permanent.consumer).toBe('points-ledger');
    expect(result.injected.permanent).toBeGreaterThan(0);
    // every order.created of the window (and the cancellations of the rejected ones) went to the DLQ
    expect(result.permanent.dlqDepth).toBeGreaterThanOrEqual(result.permanent.orders);
    expect(result.redrive.moved).toBeGreaterThanOrEqual(result.permanent.dlqDepth);
    expect(result.redrive.notMoved).toBe(0);
    expect(result.replay.state).toBe('COMPLETED');
  });

  it('injected every fault kind it was asked for, and re-sent at least 10 % of the events', () => {
    expect(result).toBeDefined();
    expect(result.injected.transient).toBeGreaterThan(0);
    expect(result.injected.putEventsThrottle).toBeGreaterThan(0);
    expect(result.injected.idempotencyThrottle).toBeGreaterThan(0);
    // timeouts and crashes are rare by design (each costs a record deadline or a visibility timeout)
    expect(result.injected.timeout + result.injected.crash).toBeGreaterThan(0);
    expect(result.resent / result.invariants.eventsProduced).toBeGreaterThanOrEqual(0.1);
    expect(result.outcomes.duplicate).toBeGreaterThanOrEqual(result.resent);
    expect(result.outcomes.retry).toBeGreaterThan(0);
  });
});
