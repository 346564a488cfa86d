import type { DlqMessage } from '../../bin/cli/dlq-messages';
import { stockLines } from '../../functions/inventory/reserve';
import type { OrderItem } from '../../functions/orders/order-record';
import { pointsFor } from '../../functions/points/points-for';
import type { PlacedOrder } from './load';
import type { SystemSnapshot } from './snapshot';

/**
 * The invariants of a chaos run, checked on a snapshot of the stores after everything settled. Pure,
 * so each rule can be unit-tested on a hand-made snapshot.
 *
 * - every order is final (CONFIRMED, IN_REVIEW, REJECTED, CANCELLED) and every reply is recorded; the
 *   only reply allowed to be missing is one a service refused by design because the compensation
 *   reached it first (its store then holds the tombstone: a RELEASED reservation without lines, a
 *   REVOKED award of 0 points);
 * - stock: never negative, and per sku exactly seed − what standing reservations hold; standing orders
 *   hold a reservation, the others none;
 * - points: standing orders keep exactly their award, the others keep none; each balance is the sum of
 *   its standing awards;
 * - compensations: every cancelled or rejected order shows what inventory released and points revoked,
 *   as their stores say (inventory.released.v1 / points.revoked.v1 recorded on the order);
 * - events: every event produced (outbox rows of every service, one risk.assessed per order, every
 *   accepted sign-in) is COMPLETED once by every subscriber, and the business stores agree (audit log,
 *   login counts, config cache);
 * - every message the runtime quarantined carries its reason.
 */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface InvariantInput {
  snapshot: SystemSnapshot;
  placed: readonly PlacedOrder[];
  /** Order ids whose cancellation the API accepted. */
  cancelled: ReadonlySet<string>;
  seed: Readonly<Record<string, number>>;
  logins: { eventIds: readonly string[]; perUser: Readonly<Record<string, number>> };
  /** Every DLQ message seen before the redrive. */
  dlqMessages: readonly DlqMessage[];
}

export interface InvariantReport {
  checks: Check[];
  /** Events a subscriber never completed, orders never final, compensations never applied. */
  lost: number;
  /** Effects applied more than once: stock or points counted twice, an event announced twice, a sign-in counted twice. */
  doubleEffects: number;
  statuses: Record<string, number>;
  /** Replies refused by design because the compensation came first (tombstones). */
  fencedReplies: number;
  eventsProduced: number;
  deliveriesExpected: number;
}

const FINAL = new Set(['CONFIRMED', 'IN_REVIEW', 'REJECTED', 'CANCELLED']);
const STANDING = new Set(['CONFIRMED', 'IN_REVIEW']);
const RISK_ASSESSED = 'risk.assessed.v1';
const LOGIN = 'user.login_succeeded.v1';
const EXAMPLES = 5;

/** Collects failures of one rule with a few examples. */
class Rule {
  readonly failures: string[] = [];
  constructor(readonly name: string) {}
  fail(what: string): void {
    this.failures.push(what);
  }
  check(okDetail: string): Check {
    const n = this.failures.length;
    return { name: this.name, ok: n === 0, detail: n === 0 ? okDetail : `${n} failure(s): ${this.failures.slice(0, EXAMPLES).join('; ')}${n > EXAMPLES ? '; …' : ''}` };
  }
}

export function checkInvariants(input: InvariantInput): InvariantReport {
  const { snapshot: s, placed } = input;
  let lost = 0;
  let doubleEffects = 0;
  let fencedReplies = 0;
  const statuses: Record<string, number> = {};
  const checks: Check[] = [];

  // ---- every order final, every reply recorded (or fenced)
  const final = new Rule('every order final, every reply recorded');
  const standing = (o: OrderItem | undefined) => o !== undefined && STANDING.has(o.status);
  for (const p of placed) {
    const o = s.orders.get(p.order_id);
    if (!o) {
      final.fail(`${p.order_id} missing`);
      lost += 1;
      continue;
    }
    statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    const problems: string[] = [];
    if (!FINAL.has(o.status)) problems.push(`status ${o.status}`);
    if (input.cancelled.has(p.order_id) && o.status !== 'CANCELLED' ) problems.push(`cancel accepted but status ${o.status}`);
    const reservation = s.reservations.get(p.order_id);
    const award = s.awards.get(p.order_id);
    const rejected = o.status === 'REJECTED';
    if (o.stock === 'PENDING') {
      if (rejected && reservation?.state === 'RELEASED' && reservation.lines.length === 0) fencedReplies += 1;
      else problems.push('no inventory reply');
    }
    if (o.risk_decision === undefined) problems.push('no risk reply');
    if (o.points === undefined) {
      if (rejected && award?.state === 'REVOKED' && award.points === 0) fencedReplies += 1;
      else problems.push('no points reply');
    } else if (o.points !== pointsFor(o.total_minor)) problems.push(`points ${o.points}, expected ${pointsFor(o.total_minor)}`);
    if (problems.length > 0) {
      final.fail(`${p.order_id}: ${problems.join(', ')}`);
      lost += 1;
    }
  }
  checks.push(final.check(`${placed.length} orders: ${Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(', ')}; ${fencedReplies} replies fenced by an earlier compensation`));

  // ---- stock
  const stock = new Rule('stock never negative, equal to seed − reserved-and-not-released');
  const held = new Map<string, number>();
  for (const r of s.reservations.values()) if (r.state === 'RESERVED') for (const l of r.lines) held.set(l.sku, (held.get(l.sku) ?? 0) + l.qty);
  for (const [sku, seeded] of Object.entries(input.seed)) {
    const available = s.available.get(sku);
    const expected = seeded - (held.get(sku) ?? 0);
    if (available === undefined || available < 0 || available !== expected) {
      stock.fail(`${sku}: available ${available}, expected ${expected}`);
      doubleEffects += 1;
    }
  }
  for (const p of placed) {
    const o = s.orders.get(p.order_id);
    const r = s.reservations.get(p.order_id);
    if (standing(o)) {
      const want = JSON.stringify(stockLines(p.lines));
      if (r?.state !== 'RESERVED' || JSON.stringify(r.lines) !== want) {
        stock.fail(`${p.order_id} (${o!.status}) holds ${r ? `${r.state} ${JSON.stringify(r.lines)}` : 'no reservation'}`);
        lost += 1;
      }
    } else if (r?.state === 'RESERVED') {
      stock.fail(`${p.order_id} (${o?.status}) still holds its reservation: compensation not applied`);
      lost += 1;
    }
  }
  checks.push(stock.check(`${Object.keys(input.seed).length} skus; ${[...s.reservations.values()].filter((r) => r.state === 'RESERVED').length} reservations standing`));

  // ---- points
  const points = new Rule('points awarded exactly once per standing order; balances = sum over standing orders');
  const expectedBalance = new Map<string, number>();
  for (const p of placed) {
    const o = s.orders.get(p.order_id);
    const a = s.awards.get(p.order_id);
    if (standing(o)) {
      const want = pointsFor(o!.total_minor);
      expectedBalance.set(p.user_id, (expectedBalance.get(p.user_id) ?? 0) + want);
      if (a?.state !== 'AWARDED' || a.points !== want) {
        points.fail(`${p.order_id} (${o!.status}) award ${a ? `${a.state} ${a.points}` : 'missing'}, expected AWARDED ${want}`);
        lost += 1;
      }
    } else if (a?.state === 'AWARDED') {
      points.fail(`${p.order_id} (${o?.status}) still awarded: revocation not applied`);
      lost += 1;
    }
  }
  for (const user of new Set([...expectedBalance.keys(), ...s.balances.keys()])) {
    const actual = s.balances.get(user)?.balance ?? 0;
    const want = expectedBalance.get(user) ?? 0;
    if (actual !== want) {
      points.fail(`${user}: balance ${actual}, expected ${want}`);
      if (actual > want) doubleEffects += 1;
      else lost += 1;
    }
  }
  checks.push(points.check(`${expectedBalance.size} users with standing orders`));

  // ---- compensations reported back to the order
  const compensations = new Rule('cancelled and rejected orders show their compensations done, as inventory and points applied them');
  let compensated = 0;
  for (const p of placed) {
    const o = s.orders.get(p.order_id);
    if (!o || standing(o) || !FINAL.has(o.status)) continue;
    // a report missing from the order is a lost event; one that disagrees with a store is reported here, and
    // counted by the stock and points rules, which judge the stores themselves
    const reservation = s.reservations.get(p.order_id);
    const released = reservation?.state === 'RELEASED' ? reservation.lines : [];
    const award = s.awards.get(p.order_id);
    const missing = [o.released_lines === undefined ? 'no stock release recorded' : undefined, o.revoked_points === undefined ? 'no points revocation recorded' : undefined].filter(Boolean);
    const wrong = [
      o.released_lines !== undefined && JSON.stringify(o.released_lines) !== JSON.stringify(released) ? `released ${JSON.stringify(o.released_lines)}, inventory gave back ${JSON.stringify(released)}` : undefined,
      o.revoked_points !== undefined && o.revoked_points !== (award?.state === 'REVOKED' ? award.points : 0) ? `revoked ${o.revoked_points}, points took back ${award?.state === 'REVOKED' ? award.points : 0}` : undefined,
    ].filter(Boolean);
    if (missing.length + wrong.length > 0) compensations.fail(`${p.order_id} (${o.status}): ${[...missing, ...wrong].join(', ')}`);
    else compensated += 1;
    if (missing.length > 0) lost += 1;
  }
  checks.push(compensations.check(`${compensated} cancelled or rejected orders show stock released and points revoked`));

  // ---- every event consumed once per subscriber
  const events = new Rule('every event produced is consumed once by every subscriber');
  const completed = (consumer: string) => s.markers.get(consumer)?.completed ?? new Set<string>();
  let deliveriesExpected = 0;
  const produced: { eventId: string; detailType: string }[] = [
    ...s.outboxRows.map((r) => ({ eventId: r.event_id, detailType: r.detail_type })),
    ...input.logins.eventIds.map((eventId) => ({ eventId, detailType: LOGIN })),
  ];
  for (const e of produced) {
    for (const consumer of s.subscribers.get(e.detailType) ?? []) {
      deliveriesExpected += 1;
      if (!completed(consumer).has(e.eventId)) {
        events.fail(`${consumer} never completed ${e.detailType} ${e.eventId}`);
        lost += 1;
      }
    }
  }
  // risk.assessed is published straight to the bus (no outbox): one per order, recognised at its subscribers
  // as the completed event ids that are no stored row.
  const stored = new Set(produced.map((e) => e.eventId));
  for (const consumer of s.subscribers.get(RISK_ASSESSED) ?? []) {
    const riskConsumed = [...completed(consumer)].filter((id) => !stored.has(id)).length;
    deliveriesExpected += placed.length;
    if (riskConsumed > placed.length) {
      events.fail(`${consumer} completed ${riskConsumed} risk.assessed events for ${placed.length} orders: ${riskConsumed - placed.length} announced twice under new event ids`);
      doubleEffects += riskConsumed - placed.length;
    } else if (riskConsumed < placed.length) {
      events.fail(`${consumer} completed ${riskConsumed} risk.assessed events for ${placed.length} orders`);
      lost += placed.length - riskConsumed;
    }
  }
  for (const f of s.failedMessages) {
    events.fail(`${f.event_id} still in a failed-message store (${f.status}): never announced`);
    lost += 1;
  }
  for (const [consumer, m] of s.markers) if (m.inProgress > 0) events.fail(`${consumer}: ${m.inProgress} marker(s) left IN_PROGRESS`);
  checks.push(events.check(`${produced.length + placed.length} events, ${deliveriesExpected} subscriber deliveries completed once each`));

  // ---- broadcast stores agree
  const broadcasts = new Rule('audit log, login counts and config cache agree with what was announced');
  const broadcastIds = produced.filter((e) => e.detailType === LOGIN || e.detailType === 'config.changed.v1').map((e) => e.eventId);
  const audited = new Set(s.auditEventIds);
  if (s.auditEventIds.length !== audited.size) broadcasts.fail(`audit log has ${s.auditEventIds.length - audited.size} duplicate entries`);
  doubleEffects += s.auditEventIds.length - audited.size;
  for (const id of broadcastIds) if (!audited.has(id)) broadcasts.fail(`no audit entry for ${id}`);
  for (const [user, sent] of Object.entries(input.logins.perUser)) {
    const counted = s.loginsPerUser.get(user) ?? 0;
    if (counted !== sent) {
      broadcasts.fail(`${user}: ${counted} sign-ins counted, ${sent} sent`);
      if (counted > sent) doubleEffects += counted - sent;
      else lost += sent - counted;
    }
  }
  const latestChange = new Map<string, string>();
  for (const r of s.outboxRows.filter((r) => r.detail_type === 'config.changed.v1')) {
    const key = (JSON.parse(r.detail) as { key: string }).key;
    if ((latestChange.get(key) ?? '') < r.event_id) latestChange.set(key, r.event_id);
  }
  for (const [key, eventId] of latestChange) {
    const cached = s.configCache.find((c) => c.key === key);
    if (cached?.applied_event_id !== eventId) broadcasts.fail(`config cache ${key} holds ${cached?.applied_event_id}, latest change ${eventId}`);
  }
  checks.push(broadcasts.check(`${broadcastIds.length} broadcast events, ${audited.size} audit entries, ${latestChange.size} config keys`));

  // ---- quarantined messages carry a reason
  const reasons = new Rule('every quarantined message carried a reason (courier.error_class)');
  for (const m of input.dlqMessages) {
    if (m.errorClass === 'RedriveExhausted') continue; // reached the DLQ by maxReceiveCount: SQS attaches no reason
    if (!m.consumer || !m.errorMessage) reasons.fail(`${m.messageId}: class ${m.errorClass} without consumer or message`);
  }
  checks.push(reasons.check(`${input.dlqMessages.length} DLQ message(s) seen, ${input.dlqMessages.filter((m) => m.errorClass !== 'RedriveExhausted').length} quarantined by the runtime`));

  return { checks, lost, doubleEffects, statuses, fencedReplies, eventsProduced: produced.length + placed.length, deliveriesExpected };
}
