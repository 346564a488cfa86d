import type { FaultKind } from 'courier/testing';
import type { ChaosResult } from './driver';

/** The results table of a chaos run, as Markdown (printed, and kept in bench/chaos-latest.md for bench/RESULTS.md). */
export const CHAOS_LATEST = 'bench/chaos-latest.md';

const FAULT_LABEL: Record<FaultKind, string> = {
  transient: 'transient handler errors',
  timeout: 'handler timeouts (cut off at the record deadline)',
  crash: 'consumer crashes mid-batch (process exit)',
  putEventsThrottle: 'PutEvents entries throttled (relays, risk publisher)',
  idempotencyThrottle: 'idempotency-table requests throttled',
  permanent: 'records failed by a deployed bug (permanent window)',
};

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '–');

export function renderChaosTable(r: ChaosResult, title: string): string {
  const inv = r.invariants;
  const rates = r.options.faults.consumers;
  const handlerRuns = r.outcomes.processed + r.injected.transient + r.injected.timeout;
  const rows: [string, string][] = [
    ['orders placed', `${r.placed} (≤ ${r.options.perSecond}/s, ≤ ${r.options.concurrency} in flight); cancelled by customers ${r.cancelled}`],
    ['final states', Object.entries(inv.statuses).map(([k, v]) => `${k} ${v}`).join(', ') + (inv.fencedReplies ? `; ${inv.fencedReplies} replies fenced by an earlier compensation` : '')],
    ['events produced', `${inv.eventsProduced} (outbox rows, risk.assessed, sign-ins); ${inv.deliveriesExpected} subscriber deliveries`],
    ['duplicates re-sent (same event_id)', `${r.resent} (${pct(r.resent, inv.eventsProduced)} of events produced)`],
    ...(Object.keys(FAULT_LABEL) as FaultKind[]).map((k): [string, string] => [
      `injected: ${FAULT_LABEL[k]}`,
      `${r.injected[k]}${k === 'transient' ? ` (${pct(r.injected[k], handlerRuns)} of handler runs; rate ${rates.transient})` : k === 'permanent' ? ` (rate 1 on ${r.permanent.consumer} during the window)` : ` (rate ${k === 'putEventsThrottle' ? r.options.faults.relays.putEventsThrottle : rates[k]})`}`,
    ]),
    ['retries (records reported for redelivery)¹', String(r.outcomes.retry)],
    ['duplicates suppressed¹', String(r.outcomes.duplicate)],
    ['records processed¹ (re-runs after a crash included)', String(r.outcomes.processed)],
    ['quarantined by the runtime (DLQ with reason)¹', String(r.outcomes.quarantined)],
    [
      'permanent window (a deployed bug)',
      `${r.permanent.consumer} failed every record for ${fmt(r.permanent.seconds)} while ${r.permanent.orders} orders were placed; ${r.permanent.dlqDepth} messages reached its DLQ (maxReceiveCount ${r.options.permanent.maxReceiveCount} during the window); fixed, then redriven`,
    ],
    ['DLQ arrivals', `${r.redrive.messages.length}${r.redrive.relayDlq ? ` + ${r.redrive.relayDlq} relay stream batches` : ''} (${r.permanent.dlqDepth} from the permanent window)`],
    ['redriven (`courier dlq redrive`)', `${r.redrive.moved}${r.redrive.notMoved ? ` (${r.redrive.notMoved} not moved)` : ''}`],
    [
      'replay of the permanent window',
      `${r.replay.replayName ?? '-'} → ${r.replay.consumer}: ${r.replay.state}; ${r.replay.outcomes.duplicate} acknowledged as duplicates¹`,
    ],
    ['**lost**', `**${inv.lost}**`],
    ['**double effects**', `**${inv.doubleEffects}**`],
    [
      'wall time',
      `${fmt(r.seconds.total)} (load + fault drain ${fmt(r.seconds.load)}, settle ${fmt(r.seconds.settle)}, permanent window ${fmt(r.seconds.permanent)}, redrive + settle ${fmt(r.seconds.redrive)}, replay + settle ${fmt(r.seconds.replay)}, checks ${fmt(r.seconds.check)})`,
    ],
  ];
  return [
    `### ${title}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    '| invariant | result |',
    '|---|---|',
    ...inv.checks.map((c) => `| ${c.name} | ${c.ok ? '✔' : '✘'} ${c.detail.replaceAll('|', '\\|')} |`),
    '',
    '¹ From the runtime\'s per-record log lines and `fault injected` lines (a crashed process can lose the last lines of its batch); lost and double effects are counted from the stores, not from logs.',
    ...(r.unsettled.length ? ['', `Not settled within the budget: ${r.unsettled.join('; ')}`] : []),
    '',
    r.ok ? 'Result: **all invariants hold**.' : 'Result: **FAILED**.',
  ].join('\n');
}

function fmt(seconds: number): string {
  return seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`;
}
