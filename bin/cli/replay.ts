import { DescribeReplayCommand, DescribeRuleCommand, ListArchivesCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { flag, JSON_OPTION, listOption, stringOption, type Command } from './args.js';
import { CliError, EXIT, UsageError, type Context } from './context.js';
import type { BusInfo, ConsumerInfo, Deployment } from './discovery.js';
import { progressBar } from './format.js';
import { horizonCheck } from './horizon.js';
import { replayNamePrefix } from '../../functions/contracts/conventions.js';
import { requireConsumer } from './resolve.js';

/** Which archived window `replay` sends again, to which consumers, and whether it waits for the end. */
export interface ReplayOptions {
  /** Start of the window, ISO-8601. */
  from: string;
  /** End of the window, ISO-8601, not in the future. */
  to: string;
  /** Only the consumers receiving these detail-types (every archived event of their rules is replayed). */
  detailTypes?: string[];
  /** Only these consumers. */
  consumers?: string[];
  /** Return right after each StartReplay instead of polling it to the end. */
  noWait?: boolean;
  /** Replay even events older than a receiving consumer's idempotency horizon (they run again). */
  force?: boolean;
  /** Polling interval of each replay's progress. @default 2000 */
  pollMs?: number;
  /** Give up polling a replay after this long (the replay itself goes on). */
  timeoutMs?: number;
  /** Progress over all the consumers' replays together (0..1). */
  onProgress?: (state: string, fraction: number) => void;
}

/** What a consumer's rule does with replayed events (see ConsumerProps.replays). */
export type RuleReplays = 'addressed' | 'all' | 'none' | 'other';

/** One consumer's replay: named for it, scoped to its rule. */
export interface ConsumerReplay {
  consumer: string;
  ruleArn: string;
  accepts: RuleReplays;
  /** Absent when the rule does not take replays addressed to it (nothing was started). */
  replayName?: string;
  state: string;
  stateReason?: string;
  lastReplayed?: string;
}

/** What `replay` started and how each consumer's replay ended, with the warnings to show the operator. */
export interface ReplayResult {
  archiveName: string;
  /** The window, as ISO times. */
  from: string;
  to: string;
  /** One per chosen consumer, skipped ones included (no `replayName`). */
  replays: ConsumerReplay[];
  warnings: string[];
  /** COMPLETED when every started replay completed; FAILED/CANCELLED if one did; NOTHING when none could start. */
  state: string;
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

/**
 * Which replays a rule lets through, from its `replay-name` clause: none (no clause: `all`), only live events
 * (`[{"exists": false}]`: `none`), live events and replays named for `consumer` (`addressed`), or something
 * courier did not write (`other`).
 */
export function ruleReplays(eventPattern: string | undefined, consumer: string): RuleReplays {
  if (!eventPattern) return 'other';
  let clause: unknown;
  try {
    clause = (JSON.parse(eventPattern) as Record<string, unknown>)['replay-name'];
  } catch {
    return 'other';
  }
  if (clause === undefined) return 'all';
  if (!Array.isArray(clause)) return 'other';
  const live = clause.some((c) => (c as { exists?: unknown })?.exists === false);
  const prefixes = clause.flatMap((c) => ((c as { prefix?: unknown })?.prefix === undefined ? [] : [(c as { prefix: unknown }).prefix]));
  if (live && prefixes.length === 0 && clause.length === 1) return 'none';
  if (live && prefixes.includes(replayNamePrefix(consumer))) return 'addressed';
  return 'other';
}

/** `<consumer>.<time in base 36>-<4 random>`: ≤ 64 characters for a 48-character consumer name. */
export function replayName(consumer: string, now: number): string {
  return `${replayNamePrefix(consumer)}${now.toString(36)}-${Math.random().toString(36).slice(2, 6).padEnd(4, '0')}`;
}

/**
 * Replays the archive's window to each chosen consumer: one StartReplay per consumer, named for it
 * (`<consumer>.<…>`, which its rule accepts) and scoped to its rule (`Destination.FilterArns`), one after
 * another, each polled to the end. Consumers dedupe on event_id within their idempotency horizon, so
 * replaying what they completed is acknowledged as duplicates; a consumer whose rule takes no replays is
 * skipped with a warning.
 *
 * @example
 * const result = await replay(ctx, { from: '2026-01-31T22:00:00Z', to: '2026-01-31T23:00:00Z', consumers: ['shipping-dispatch'] });
 * if (result.state !== 'COMPLETED') console.error(renderReplay(result));
 */
export async function replay(ctx: Context, options: ReplayOptions): Promise<ReplayResult> {
  const { start, end } = replayWindow(options.from, options.to, ctx.now());
  const deployment = await ctx.deployment();
  const bus = deployment.bus;
  if (!bus) throw new CliError('no CourierBus output found: the messaging stack is not deployed', EXIT.notDeployed);
  const chosen = chooseConsumers(deployment, options.consumers ?? [], options.detailTypes ?? []);
  const archiveName = await findArchive(ctx, bus);
  const events = ctx.clients.events;
  const source = bus.archiveName === archiveName && bus.archiveArn ? bus.archiveArn : archiveArn(bus.busArn, archiveName);
  const result: ReplayResult = { archiveName, from: start.toISOString(), to: end.toISOString(), replays: [], warnings: [], state: 'NOTHING' };
  if (options.detailTypes?.length) {
    result.warnings.push(`the replay re-sends every archived event of the chosen rules in the window, not only ${options.detailTypes.join(', ')} (rules filter by their own patterns)`);
  }
  // Every rule first: the horizon guard covers the consumers that will receive the window, before any replay starts.
  const rules = await Promise.all(
    chosen.map(async (c) => {
      const rule = await events.send(new DescribeRuleCommand({ Name: c.ruleName, EventBusName: bus.busName }));
      return { consumer: c, accepts: ruleReplays(rule.EventPattern, c.name) };
    }),
  );
  const receivers = rules.filter((r) => r.accepts !== 'none' && r.accepts !== 'other').map((r) => r.consumer);
  result.warnings.push(...horizonCheck('replay', [{ at: start.getTime(), consumers: receivers, label: `the window from ${start.toISOString()}` }], ctx.now(), options.force));

  for (const [index, { consumer: c, accepts }] of rules.entries()) {
    const one: ConsumerReplay = { consumer: c.name, ruleArn: c.ruleArn, accepts, state: 'SKIPPED' };
    result.replays.push(one);
    if (accepts === 'none' || accepts === 'other') {
      result.warnings.push(`${c.name}: its rule takes no replays addressed to it (replay-name clause: ${accepts === 'none' ? 'live events only' : 'not courier\'s'}); declare the consumer with replays: 'addressed' (the default) and redeploy`);
      continue;
    }
    one.replayName = replayName(c.name, ctx.now());
    await events.send(
      new StartReplayCommand({
        ReplayName: one.replayName,
        Description: `courier replay ${start.toISOString()}..${end.toISOString()} → ${c.name}`,
        EventSourceArn: source,
        EventStartTime: start,
        EventEndTime: end,
        Destination: { Arn: bus.busArn, FilterArns: [c.ruleArn] },
      }),
    );
    one.state = 'STARTING';
    if (!options.noWait) await watch(ctx, one, { start, end }, options, (state, f) => options.onProgress?.(state, (index + f) / chosen.length));
  }

  const states = result.replays.filter((r) => r.replayName).map((r) => r.state);
  if (states.length === 0) result.warnings.push('no chosen consumer takes replays addressed to it: nothing was replayed');
  result.state = states.length === 0 ? 'NOTHING' : (states.find((st) => st === 'FAILED' || st === 'CANCELLED') ?? (states.every((st) => st === 'COMPLETED') ? 'COMPLETED' : states.at(-1)!));
  return result;
}

/** Polls one replay to COMPLETED / FAILED / CANCELLED, or until `timeoutMs` (the replay goes on). */
async function watch(ctx: Context, one: ConsumerReplay, window: { start: Date; end: Date }, options: ReplayOptions, progress: (state: string, fraction: number) => void): Promise<void> {
  const deadline = ctx.now() + (options.timeoutMs ?? 15 * 60_000);
  for (;;) {
    const r = await ctx.clients.events.send(new DescribeReplayCommand({ ReplayName: one.replayName }));
    one.state = r.State ?? 'UNKNOWN';
    if (r.StateReason) one.stateReason = r.StateReason;
    if (r.EventLastReplayedTime) one.lastReplayed = new Date(r.EventLastReplayedTime).toISOString();
    const span = window.end.getTime() - window.start.getTime();
    const fraction = r.EventLastReplayedTime ? (new Date(r.EventLastReplayedTime).getTime() - window.start.getTime()) / span : 0;
    const done = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(one.state);
    progress(one.state, done && one.state === 'COMPLETED' ? 1 : Math.max(0, Math.min(1, fraction)));
    if (done) return;
    if (ctx.now() > deadline) {
      one.stateReason = `stopped watching after ${Math.round((options.timeoutMs ?? 900_000) / 1000)} s; the replay goes on (aws events describe-replay --replay-name ${one.replayName})`;
      return;
    }
    await ctx.sleep(options.pollMs ?? 2_000);
  }
}

/**
 * The archive ARN: EventBridge wants the archive's ARN as EventSourceArn. Built from the bus ARN's
 * partition/region/account; kept separate so tests can see it.
 */
export const archiveArn = (busArn: string, archiveName: string): string => busArn.replace(/:event-bus\/.*$/, `:archive/${archiveName}`);

/**
 * The text `courier replay` prints: each consumer's replay and how it ended, the warnings, the final state.
 *
 * @example
 * ctx.out.out(renderReplay(await replay(ctx, { from: '2026-01-31T22:00:00Z', to: '2026-01-31T23:00:00Z' })));
 */
export function renderReplay(r: ReplayResult): string {
  return [
    `replay from archive ${r.archiveName}: ${r.from} → ${r.to}`,
    ...r.replays.map(
      (c) =>
        `${c.consumer}: ${c.replayName ? `${c.replayName} ${c.state}${c.stateReason ? ` (${c.stateReason})` : ''}${c.lastReplayed ? `, replayed up to ${c.lastReplayed}` : ''}` : 'skipped (its rule takes no replays addressed to it)'}`,
    ),
    ...r.warnings.map((w) => `warning: ${w}`),
    `state: ${r.state}`,
    ...(r.state === 'COMPLETED' ? ['consumers dedupe on event_id: events they completed within their idempotency horizon are acknowledged as duplicates'] : []),
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
    "One replay per chosen consumer, named <consumer>.<…> and scoped to its rule: consumer rules take live events and replays addressed to them (replays: 'addressed', the default), so no redeploy is needed and no other consumer sees the replay. Consumers are idempotent on event_id for their idempotency horizon (31 days by default), so replaying what they already processed is safe inside it; a window that starts earlier is refused unless --force.",
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
    return result.state === 'COMPLETED' || (flag(parsed, 'no-wait') && result.state !== 'NOTHING') ? EXIT.ok : EXIT.failure;
  },
};
