import { DescribeReplayCommand, DescribeRuleCommand, ListArchivesCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { flag, JSON_OPTION, listOption, stringOption, type Command } from './args.js';
import { CliError, EXIT, UsageError, type Context } from './context.js';
import type { BusInfo, ConsumerInfo, Deployment } from './discovery.js';
import { progressBar } from './format.js';
import { horizonCheck } from './horizon.js';
import { requireConsumer } from './resolve.js';

export interface ReplayOptions {
  from: string;
  to: string;
  detailTypes?: string[];
  consumers?: string[];
  /** Return right after StartReplay instead of polling to the end. */
  noWait?: boolean;
  /** Replay even events older than a receiving consumer's idempotency horizon (they run again). */
  force?: boolean;
  pollMs?: number;
  /** Give up polling after this long (the replay itself goes on). */
  timeoutMs?: number;
  onProgress?: (state: string, fraction: number) => void;
}

export interface ReplayResult {
  replayName: string;
  archiveName: string;
  from: string;
  to: string;
  consumers: { name: string; ruleArn: string; dropsReplayed: boolean }[];
  warnings: string[];
  state: string;
  stateReason?: string;
  lastReplayed?: string;
}

/** Parses and checks the window: both ISO-8601, from < to, to ≤ now. */
export function replayWindow(from: string, to: string, now: number): { start: Date; end: Date } {
  const parse = (name: string, value: string) => {
    if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(Date.parse(value))) {
      throw new UsageError(`--${name} must be an ISO-8601 time (e.g. 2026-01-31T22:00:00Z), got '${value}'`);
    }
    return new Date(value);
  };
  const start = parse('from', from);
  const end = parse('to', to);
  if (start.getTime() >= end.getTime()) throw new UsageError(`--from (${start.toISOString()}) must be before --to (${end.toISOString()})`);
  if (end.getTime() > now) throw new UsageError(`--to (${end.toISOString()}) is in the future; the archive only holds what already happened`);
  return { start, end };
}

/** Which consumers' rules the replay targets: --consumer names, else those receiving a --detail-type, else all. */
export function chooseConsumers(deployment: Deployment, names: string[], detailTypes: string[]): ConsumerInfo[] {
  let chosen = names.length ? names.map((n) => requireConsumer(deployment, n)) : deployment.consumers;
  if (detailTypes.length) {
    chosen = chosen.filter((c) => c.detailTypes.some((t) => detailTypes.includes(t)));
    if (chosen.length === 0) {
      const known = [...new Set(deployment.consumers.flatMap((c) => c.detailTypes))].sort();
      throw new CliError(`no${names.length ? ' chosen' : ''} consumer receives ${detailTypes.join(', ')}`, EXIT.unknownConsumer, `detail-types consumed: ${known.join(', ')}`);
    }
  }
  return chosen;
}

/** The archive of the bus: from the CourierBus output, or (local engine, archive created through the API) ListArchives by bus ARN. */
export async function findArchive(ctx: Context, bus: BusInfo): Promise<string> {
  if (bus.archiveName) return bus.archiveName;
  const { Archives = [] } = await ctx.clients.events.send(new ListArchivesCommand({ EventSourceArn: bus.busArn }));
  const archive = Archives.find((a) => a.State !== 'DISABLED' && a.State !== 'CREATE_FAILED') ?? Archives[0];
  if (!archive?.ArchiveName) {
    throw new CliError(`bus ${bus.busName} has no archive: nothing to replay`, EXIT.failure, 'the archive is off in this deployment (COURIER_ARCHIVE=on, or create it through the EventBridge API)');
  }
  return archive.ArchiveName;
}

/** True when the rule's pattern says `"replay-name": [{"exists": false}]`: replayed events never reach it. */
export function dropsReplayed(eventPattern: string | undefined): boolean {
  if (!eventPattern) return false;
  try {
    const pattern = JSON.parse(eventPattern) as Record<string, unknown>;
    const clause = pattern['replay-name'];
    return Array.isArray(clause) && clause.some((c) => typeof c === 'object' && c !== null && (c as { exists?: unknown }).exists === false);
  } catch {
    return false;
  }
}

/** EventBridge StartReplay from the bus archive, scoped to the chosen consumers' rules, polled to the end. */
export async function replay(ctx: Context, options: ReplayOptions): Promise<ReplayResult> {
  const { start, end } = replayWindow(options.from, options.to, ctx.now());
  const deployment = await ctx.deployment();
  const bus = deployment.bus;
  if (!bus) throw new CliError('no CourierBus output found: the messaging stack is not deployed', EXIT.notDeployed);
  const chosen = chooseConsumers(deployment, options.consumers ?? [], options.detailTypes ?? []);
  const archiveName = await findArchive(ctx, bus);
  const events = ctx.clients.events;

  const consumers = await Promise.all(
    chosen.map(async (c) => {
      const rule = await events.send(new DescribeRuleCommand({ Name: c.ruleName, EventBusName: bus.busName }));
      return { name: c.name, ruleArn: c.ruleArn, dropsReplayed: dropsReplayed(rule.EventPattern) };
    }),
  );
  const warnings = consumers
    .filter((c) => c.dropsReplayed)
    .map((c) => `${c.name}: its rule drops replayed events ("replay-name": [{"exists": false}]); declare it with includeReplayed to receive replays`);
  if (options.detailTypes?.length) {
    warnings.push(`the replay re-sends every archived event of the chosen rules in the window, not only ${options.detailTypes.join(', ')} (rules filter by their own patterns)`);
  }
  const receiving = consumers.filter((c) => !c.dropsReplayed);
  if (receiving.length === 0) {
    warnings.push('no chosen consumer accepts replayed events: the replay will deliver nothing');
  }
  const receivers = chosen.filter((c) => receiving.some((r) => r.name === c.name));
  warnings.push(...horizonCheck('replay', [{ at: start.getTime(), consumers: receivers, label: `the window from ${start.toISOString()}` }], ctx.now(), options.force));

  const replayName = `courier-${new Date(ctx.now()).toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 6)}`;
  await events.send(
    new StartReplayCommand({
      ReplayName: replayName,
      Description: `courier replay ${start.toISOString()}..${end.toISOString()} → ${chosen.map((c) => c.name).join(', ')}`,
      EventSourceArn: bus.archiveName === archiveName && bus.archiveArn ? bus.archiveArn : archiveArn(bus.busArn, archiveName),
      EventStartTime: start,
      EventEndTime: end,
      Destination: { Arn: bus.busArn, FilterArns: chosen.map((c) => c.ruleArn) },
    }),
  );
  const result: ReplayResult = { replayName, archiveName, from: start.toISOString(), to: end.toISOString(), consumers, warnings, state: 'STARTING' };
  if (options.noWait) return result;

  const deadline = ctx.now() + (options.timeoutMs ?? 15 * 60_000);
  for (;;) {
    const r = await events.send(new DescribeReplayCommand({ ReplayName: replayName }));
    result.state = r.State ?? 'UNKNOWN';
    if (r.StateReason) result.stateReason = r.StateReason;
    if (r.EventLastReplayedTime) result.lastReplayed = new Date(r.EventLastReplayedTime).toISOString();
    const fraction = r.EventLastReplayedTime ? (new Date(r.EventLastReplayedTime).getTime() - start.getTime()) / (end.getTime() - start.getTime()) : 0;
    const done = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(result.state);
    options.onProgress?.(result.state, done && result.state === 'COMPLETED' ? 1 : Math.max(0, Math.min(1, fraction)));
    if (done) return result;
    if (ctx.now() > deadline) {
      result.warnings.push(`stopped watching after ${Math.round((options.timeoutMs ?? 900_000) / 1000)} s; the replay goes on (aws events describe-replay --replay-name ${replayName})`);
      return result;
    }
    await ctx.sleep(options.pollMs ?? 2_000);
  }
}

/**
 * The archive ARN: EventBridge wants the archive's ARN as EventSourceArn. Built from the bus ARN's
 * partition/region/account; kept separate so tests can see it.
 */
export const archiveArn = (busArn: string, archiveName: string): string => busArn.replace(/:event-bus\/.*$/, `:archive/${archiveName}`);

export function renderReplay(r: ReplayResult): string {
  return [
    `replay ${r.replayName} from archive ${r.archiveName}: ${r.from} → ${r.to}`,
    `rules: ${r.consumers.map((c) => `${c.name}${c.dropsReplayed ? ' (drops replays)' : ''}`).join(', ')}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    `state: ${r.state}${r.stateReason ? ` (${r.stateReason})` : ''}${r.lastReplayed ? `, replayed up to ${r.lastReplayed}` : ''}`,
    ...(r.state === 'COMPLETED' ? ['consumers dedupe on event_id: events they already completed are acknowledged as duplicates'] : []),
  ].join('\n');
}

export const replayCommand: Command = {
  name: 'replay',
  summary: "replay archived bus events of a time window to chosen consumers' rules, and watch it to the end",
  options: {
    from: { type: 'string', value: 'ISO', description: 'start of the window (ISO-8601, required)' },
    to: { type: 'string', value: 'ISO', description: 'end of the window (ISO-8601, ≤ now, required)' },
    'detail-type': { type: 'string', multiple: true, value: 'T', description: 'only the rules of consumers receiving T (repeatable, or comma-separated)' },
    consumer: { type: 'string', multiple: true, value: 'C', description: "only consumer C's rule (repeatable, or comma-separated)" },
    'no-wait': { type: 'boolean', description: 'start the replay and return' },
    force: { type: 'boolean', description: "replay events older than a receiving consumer's idempotency horizon (they run again)" },
    json: JSON_OPTION,
  },
  details:
    'Consumer rules exclude replayed events unless the consumer was declared includeReplayed; the command warns when a chosen rule would drop the replay. Consumers are idempotent on event_id for their idempotency horizon (31 days by default), so replaying what they already processed is safe inside it; a window that starts earlier is refused unless --force.',
  async run(ctx, parsed) {
    const from = stringOption(parsed, 'from');
    const to = stringOption(parsed, 'to');
    if (!from) throw new UsageError('missing --from <iso>');
    if (!to) throw new UsageError('missing --to <iso>');
    const bar = progressBar((t) => ctx.out.err(t), ctx.out.isTTY, 100, 'replay');
    const result = await replay(ctx, {
      from,
      to,
      detailTypes: listOption(parsed, 'detail-type'),
      consumers: listOption(parsed, 'consumer'),
      noWait: flag(parsed, 'no-wait'),
      force: flag(parsed, 'force'),
      onProgress: (_state, fraction) => bar.update(Math.round(fraction * 100)),
    });
    bar.done();
    if (!flag(parsed, 'json')) for (const w of result.warnings) ctx.out.err(`warning: ${w}\n`);
    ctx.out.out(flag(parsed, 'json') ? JSON.stringify(result, null, 2) : renderReplay({ ...result, warnings: [] }));
    return result.state === 'FAILED' || result.state === 'CANCELLED' ? EXIT.failure : EXIT.ok;
  },
};
