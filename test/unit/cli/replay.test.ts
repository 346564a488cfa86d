import { DescribeReplayCommand, DescribeRuleCommand, ListArchivesCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli/main';
import { archiveArn, chooseConsumers, replay, replayName, replayWindow, ruleReplays } from '../../../bin/cli/replay';
import { deployment, mocks, NOW, resetMocks, testContext } from './fixture';

const LIVE_ONLY = JSON.stringify({ source: ['courier.orders'], 'detail-type': ['order.created.v1'], 'replay-name': [{ exists: false }] });
const ADDRESSED = (consumer: string) => JSON.stringify({ source: ['courier.inventory'], 'detail-type': ['inventory.reserved.v1'], 'replay-name': [{ exists: false }, { prefix: `${consumer}.` }] });
const ALL = JSON.stringify({ source: ['courier.inventory'], 'detail-type': ['inventory.reserved.v1'] });

describe('replay', () => {
  beforeEach(() => resetMocks());

  it('validates the window: ISO times, from < to, to ≤ now', () => {
    expect(replayWindow('2026-01-15T10:00:00Z', '2026-01-15T11:00:00Z', NOW).start.toISOString()).toBe('2026-01-15T10:00:00.000Z');
    expect(() => replayWindow('2026-01-15T11:00:00Z', '2026-01-15T10:00:00Z', NOW)).toThrow('must be before');
    expect(() => replayWindow('2026-01-15T10:00:00Z', '2026-01-16T10:00:00Z', NOW)).toThrow('in the future');
    expect(() => replayWindow('last tuesday', '2026-01-15T10:00:00Z', NOW)).toThrow('ISO-8601');
    expect(() => replayWindow('2026-13-45T99:00:00Z', '2026-01-15T10:00:00Z', NOW)).toThrow('ISO-8601');
  });

  it('chooses consumers by name, by detail-type, or all; unknown ones exit 5', () => {
    const d = deployment();
    expect(chooseConsumers(d, [], []).map((c) => c.name)).toEqual(['inventory-orders', 'orders-progress']);
    expect(chooseConsumers(d, [], ['inventory.reserved.v1']).map((c) => c.name)).toEqual(['orders-progress']);
    expect(chooseConsumers(d, ['inventory-orders'], []).map((c) => c.name)).toEqual(['inventory-orders']);
    expect(() => chooseConsumers(d, ['nope'], [])).toThrow(expect.objectContaining({ exitCode: 5 }));
    expect(() => chooseConsumers(d, [], ['nobody.cares.v1'])).toThrow(expect.objectContaining({ exitCode: 5 }));
  });

  it("reads what a rule does with replays: addressed to its consumer, all, live only, or not courier's", () => {
    expect(ruleReplays(ADDRESSED('orders-progress'), 'orders-progress')).toBe('addressed');
    expect(ruleReplays(ADDRESSED('orders-progress-v2'), 'orders-progress')).toBe('other');
    expect(ruleReplays(ALL, 'orders-progress')).toBe('all');
    expect(ruleReplays(LIVE_ONLY, 'inventory-orders')).toBe('none');
    expect(ruleReplays(undefined, 'x')).toBe('other');
    expect(archiveArn('arn:aws:events:eu-west-1:1:event-bus/Bus', 'a')).toBe('arn:aws:events:eu-west-1:1:archive/a');
  });

  it('names a replay for its consumer, within the 64 characters EventBridge allows', () => {
    const longest = 'a'.repeat(48);
    const name = replayName(longest, NOW);
    expect(name.startsWith(`${longest}.`)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(name).toMatch(/^[.\-_A-Za-z0-9]+$/);
  });

  it('starts one replay per consumer, named for it and scoped to its rule, polled to COMPLETED; skips a rule that takes no replays', async () => {
    mocks.events.on(DescribeRuleCommand, { Name: 'InventoryOrdersRule' }).resolves({ EventPattern: LIVE_ONLY });
    mocks.events.on(DescribeRuleCommand, { Name: 'OrdersProgressRule' }).resolves({ EventPattern: ADDRESSED('orders-progress') });
    mocks.events.on(StartReplayCommand).resolves({ State: 'STARTING' });
    mocks.events
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-01-15T10:30:00Z') })
      .resolves({ State: 'COMPLETED', EventLastReplayedTime: new Date('2026-01-15T11:00:00Z') });
    const progress: [string, number][] = [];
    const { ctx, sleeps } = testContext();
    const r = await replay(ctx, { from: '2026-01-15T10:00:00Z', to: '2026-01-15T11:00:00Z', onProgress: (st, f) => progress.push([st, f]) });
    const starts = mocks.events.commandCalls(StartReplayCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(1);
    expect(starts[0]!.ReplayName).toMatch(/^orders-progress\./);
    expect(starts[0]!.EventSourceArn).toBe('arn:aws:events:us-east-1:1:archive/bus-archive');
    expect(starts[0]!.Destination).toEqual({ Arn: 'arn:aws:events:us-east-1:1:event-bus/Bus', FilterArns: ['arn:aws:events:us-east-1:1:rule/Bus/OrdersProgressRule'] });
    expect(starts[0]!.EventStartTime).toEqual(new Date('2026-01-15T10:00:00Z'));
    expect(r.state).toBe('COMPLETED');
    expect(r.replays.map((c) => [c.consumer, c.accepts, c.state])).toEqual([
      ['inventory-orders', 'none', 'SKIPPED'],
      ['orders-progress', 'addressed', 'COMPLETED'],
    ]);
    expect(r.warnings).toEqual([expect.stringContaining('inventory-orders: its rule takes no replays addressed to it')]);
    expect(progress).toEqual([
      ['RUNNING', 0.75],
      ['COMPLETED', 1],
    ]);
    expect(sleeps).toHaveLength(1);
    expect(mocks.events.commandCalls(ListArchivesCommand)).toHaveLength(0);
  });

  it('replays to several consumers one after another, each under its own name', async () => {
    mocks.events.on(DescribeRuleCommand, { Name: 'InventoryOrdersRule' }).resolves({ EventPattern: ADDRESSED('inventory-orders') });
    mocks.events.on(DescribeRuleCommand, { Name: 'OrdersProgressRule' }).resolves({ EventPattern: ALL });
    mocks.events.on(StartReplayCommand).resolves({});
    mocks.events.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
    const { ctx } = testContext();
    const r = await replay(ctx, { from: '2026-01-15T10:00:00Z', to: '2026-01-15T11:00:00Z' });
    const starts = mocks.events.commandCalls(StartReplayCommand).map((c) => c.args[0].input);
    expect(starts.map((st) => [st.ReplayName!.split('.')[0], st.Destination!.FilterArns])).toEqual([
      ['inventory-orders', ['arn:aws:events:us-east-1:1:rule/Bus/InventoryOrdersRule']],
      ['orders-progress', ['arn:aws:events:us-east-1:1:rule/Bus/OrdersProgressRule']],
    ]);
    expect(r.state).toBe('COMPLETED');
  });

  it('finds the archive with ListArchives by bus ARN when the output has none (local engine)', async () => {
    const d = deployment();
    d.bus = { ...d.bus!, archiveName: null, archiveArn: null };
    mocks.events.on(ListArchivesCommand).resolves({ Archives: [{ ArchiveName: 'courier-local-archive', State: 'ENABLED' }] });
    mocks.events.on(DescribeRuleCommand).resolves({ EventPattern: ADDRESSED('orders-progress') });
    mocks.events.on(StartReplayCommand).resolves({});
    mocks.events.on(DescribeReplayCommand).resolves({ State: 'FAILED', StateReason: 'boom' });
    const { ctx, out } = testContext({ deployment: d });
    expect(await main(['replay', '--from', '2026-01-15T10:00:00Z', '--to', '2026-01-15T11:00:00Z', '--detail-type', 'inventory.reserved.v1'], ctx)).toBe(1);
    expect(mocks.events.commandCalls(ListArchivesCommand)[0]!.args[0].input.EventSourceArn).toBe('arn:aws:events:us-east-1:1:event-bus/Bus');
    const start = mocks.events.commandCalls(StartReplayCommand)[0]!.args[0].input;
    expect(start.EventSourceArn).toBe('arn:aws:events:us-east-1:1:archive/courier-local-archive');
    expect(start.Destination!.FilterArns).toEqual(['arn:aws:events:us-east-1:1:rule/Bus/OrdersProgressRule']);
    expect(out.stdout).toMatch(/orders-progress: orders-progress\.\S+ FAILED \(boom\)/);
    expect(out.stdout).toContain('state: FAILED');
  });

  it('fails clearly when the bus has no archive', async () => {
    const d = deployment();
    d.bus = { ...d.bus!, archiveName: null, archiveArn: null };
    mocks.events.on(ListArchivesCommand).resolves({ Archives: [] });
    const { ctx, out } = testContext({ deployment: d });
    expect(await main(['replay', '--from', '2026-01-15T10:00:00Z', '--to', '2026-01-15T11:00:00Z'], ctx)).toBe(1);
    expect(out.stderr).toContain('has no archive');
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0);
  });

  it('exits 1 when no chosen consumer takes replays (nothing replayed), and prints JSON', async () => {
    mocks.events.on(DescribeRuleCommand).resolves({ EventPattern: LIVE_ONLY });
    const { ctx, out } = testContext();
    expect(await main(['replay', '--from', '2026-01-15T10:00:00Z', '--to', '2026-01-15T11:00:00Z', '--consumer', 'inventory-orders', '--json'], ctx)).toBe(1);
    const r = JSON.parse(out.stdout);
    expect(r.replays).toEqual([{ consumer: 'inventory-orders', ruleArn: expect.any(String), accepts: 'none', state: 'SKIPPED' }]);
    expect(r.state).toBe('NOTHING');
    expect(r.warnings).toContainEqual(expect.stringContaining('nothing was replayed'));
    expect(mocks.events.commandCalls(StartReplayCommand)).toHaveLength(0);
  });
});
