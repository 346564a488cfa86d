import { mapLimit } from '../../functions/runtime/support/map-limit';
import { placeOrder, putConfig, recordLogin } from '../local/actions';
import type { LocalSystem } from '../local/system';
import { plannedOrder, type PlannedOrder } from './order-mix';

/**
 * The load of a chaos run: orders through POST /orders with bounded concurrency (the pace the engine
 * keeps up with on a small machine), plus the broadcast traffic (sign-ins, config changes) the
 * notification subscribers consume. A request that fails is retried with the same Idempotency-Key, so a
 * timeout never places an order twice; every request is bounded in time.
 */
export interface PlacedOrder extends PlannedOrder {
  order_id: string;
}

export interface Broadcasts {
  /** event_id of every accepted sign-in, and the sign-ins per user. */
  logins: { eventIds: string[]; perUser: Record<string, number> };
  /** Config changes accepted (each one an outbox row of the notifications service). */
  configChanges: number;
}

const ATTEMPTS = 5;

async function withRetries<T>(what: string, call: () => Promise<{ status: number; body: T }>, accepted: (status: number) => boolean): Promise<T> {
  let last = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const res = await call();
      if (accepted(res.status)) return res.body;
      last = `${res.status} ${JSON.stringify(res.body)}`;
      if (res.status < 500 && res.status !== 409 && res.status !== 429) break;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw new Error(`${what} failed after retries: ${last}`);
}

/**
 * Places orders `first … first+count-1` with at most `concurrency` requests in flight and at most
 * `perSecond` started per second (the pace the pipeline drains, so queues stay short); calls `onPlaced` as
 * they go. Which order has which index is `plan` (the chaos mix unless given).
 */
export async function placeOrders(
  sys: LocalSystem,
  count: number,
  pace: { concurrency: number; perSecond: number; first?: number },
  runId: string,
  onPlaced?: (n: number) => void,
  plan: (index: number) => PlannedOrder = plannedOrder,
): Promise<PlacedOrder[]> {
  let done = 0;
  const started = Date.now();
  const first = pace.first ?? 0;
  return mapLimit(Array.from({ length: count }, (_, i) => plan(first + i)), pace.concurrency, async (planned) => {
    const due = started + ((planned.index - first) * 1000) / pace.perSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    const body = await withRetries(
      `POST /orders #${planned.index}`,
      () => placeOrder(sys, { user_id: planned.user_id, lines: planned.lines }, { 'idempotency-key': `${runId}-${planned.index}` }),
      (s) => s === 202,
    );
    onPlaced?.(++done);
    return { ...planned, order_id: body.order_id };
  });
}

/** Sign-ins (published directly, kept in the failed-message store on failure) and config changes (outbox). */
export async function sendBroadcasts(sys: LocalSystem, logins: number, configChanges: number, concurrency: number): Promise<Broadcasts> {
  const perUser: Record<string, number> = {};
  const eventIds = await mapLimit(Array.from({ length: logins }, (_, i) => `user-${i % 31}`), concurrency, async (user_id) => {
    const body = await withRetries<{ event_id: string; outcome: string }>(
      'POST /logins',
      () => recordLogin(sys, { user_id, ip: '203.0.113.7', user_agent: 'courier-chaos' }),
      (s) => s === 202,
    );
    perUser[user_id] = (perUser[user_id] ?? 0) + 1;
    return body.event_id;
  });
  // One key per change, in turn: concurrent changes of one key would answer 409 by design.
  for (let i = 0; i < configChanges; i++) {
    await withRetries(
      'PUT /config',
      () => putConfig(sys, `chaos.setting_${i % 7}`, { value: `v${i}`, changed_by: 'courier-chaos' }),
      // 200 "unchanged": an earlier attempt whose answer was lost already made the change
      (s) => s === 202 || s === 200,
    );
  }
  return { logins: { eventIds, perUser }, configChanges };
}
