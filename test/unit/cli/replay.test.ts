import { DescribeReplayCommand, DescribeRuleCommand, ListArchivesCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli/main';
import { archiveArn, chooseConsumers, dropsReplayed, replay, replayWindow } from '../../../bin/cli/replay';
import { deployment, mocks, NOW, resetMocks, testContext } from './fixture';

const EXCLUDES = JSON.stringify({ source: ['courier.orders'], 'detail-type': ['order.created.v1'], 'replay-name': [{ exists: false }] });
const INCLUDES = JSON.stringify({ source: ['courier.inventory'], 'detail-type': ['inventory.reserved.v1'] });

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

  it('detects rules that drop replayed events', () => {
    expect(dropsReplayed(EXCLUDES)).toBe(true);
    expect(dropsReplayed(INCLUDES)).toBe(false);
    expect(dropsReplayed(undefined)).toBe(false);
    expect(archiveArn('arn:aws:events:eu-west-1:1:event-bus/Bus', 'a')).toBe('arn:aws:events:eu-west-1:1:archive/a');
  });

  it('starts a replay scoped to the chosen rules from the output archive, warns about excluding rules, polls to COMPLETED', async () => {
    mocks.events.on(DescribeRuleCommand, { Name: 'InventoryOrdersRule' }).resolves({ EventPattern: EXCLUDES });
    mocks.events.on(DescribeRuleCommand, { Name: 'OrdersProgressRule' }).resolves({ EventPattern: INCLUDES });
    mocks.events.on(StartReplayCommand).resolves({ State: 'STARTING' });
    mocks.events
      .on(DescribeReplayCommand)
      .resolvesOnce({ State: 'RUNNING', EventLastReplayedTime: new Date('2026-01-15T10:30:00Z') })
      .resolves({ State: 'COMPLETED', EventLastReplayedTime: new Date('2026-01-15T11:00:00Z') });
    const progress: [string, number][] = [];
    const { ctx, sleeps } = testContext();
    const r = await replay(ctx, { from: '2026-01-15T10:00:00Z', to: '2026-01-15T11:00:00Z', onProgress: (s, f) => progress.push([s, f]) });
    const start = mocks.events.commandCalls(StartReplayCommand)[0]!.args[0].input;
    expect(start.EventSourceArn).toBe('arn:aws:events:us-east-1:1:archive/bus-archive');
    expect(start.Destination).toEqual({ Arn: 'arn:aws:events:us-east-1:1:event-bus/Bus', FilterArns: ['arn:aws:events:us-east-1:1:rule/Bus/InventoryOrdersRule', 'arn:aws:events:us-east-1:1:rule/Bus/OrdersProgressRule'] });
    expect(start.EventStartTime).toEqual(new Date('2026-01-15T10:00:00Z'));
    expect(r.state).toBe('COMPLETED');
    expect(r.warnings).toEqual([expect.stringContaining('inventory-orders: its rule drops replayed events')]);
    expect(progress).toEqual([
      ['RUNNING', 0.5],
      ['COMPLETED', 1],
    ]);
    expect(sleeps).toHaveLength(1);
    expect(mocks.events.commandCalls(ListArchivesCommand)).toHaveLength(0);
  });

  it('finds the archive with ListArchives by bus ARN when the output has none (local engine)', async () => {
    const d = deployment();
    d.bus = { ...d.bus!, archiveName: null, archiveArn: null };
    mocks.events.on(ListArchivesCommand).resolves({ Archives: [{ ArchiveName: 'courier-local-archive', State: 'ENABLED' }] });
    mocks.events.on(DescribeRuleCommand).resolves({ EventPattern: INCLUDES });
    mocks.events.on(StartReplayCommand).resolves({});
    mocks.events.on(DescribeReplayCommand).resolves({ State: 'FAILED', StateReason: 'boom' });
    const { ctx, out } = testContext({ deployment: d });
    expect(await main(['replay', '--from', '2026-01-15T10:00:00Z', '--to', '2026-01-15T11:00:00Z', '--detail-type', 'inventory.reserved.v1'], ctx)).toBe(1);
    expect(mocks.events.commandCalls(ListArchivesCommand)[0]!.args[0].input.EventSourceArn).toBe('arn:aws:events:us-east-1:1:event-bus/Bus');
    const start = mocks.events.commandCalls(StartReplayCommand)[0]!.args[0].input;
    expect(start.EventSourceArn).toBe('arn:aws:events:us-east-1:1:archive/courier-local-archive');
    expect(start.Destination!.FilterArns).toEqual(['arn:aws:events:us-east-1:1:rule/Bus/OrdersProgressRule']);
    expect(out.stdout).toContain('state: FAILED (boom)');
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

  it('warns when no chosen consumer accepts replays, and prints JSON', async () => {
    mocks.events.on(DescribeRuleCommand).resolves({ EventPattern: EXCLUDES });
    mocks.events.on(StartReplayCommand).resolves({});
    mocks.events.on(DescribeReplayCommand).resolves({ State: 'COMPLETED' });
    const { ctx, out } = testContext();
    expect(await main(['replay', '--from', '2026-01-15T10:00:00Z', '--to', '2026-01-15T11:00:00Z', '--consumer', 'inventory-orders', '--json'], ctx)).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.consumers).toEqual([{ name: 'inventory-orders', ruleArn: expect.any(String), dropsReplayed: true }]);
    expect(r.warnings).toContainEqual(expect.stringContaining('will deliver nothing'));
  });
});
