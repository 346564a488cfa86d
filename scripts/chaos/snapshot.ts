import type { OrderItem } from '../../functions/orders/order-record';
import type { Account, Award } from '../../functions/points/points-table';
import type { Reservation } from '../../functions/inventory/stock-table';
import { scanItems } from '../../bin/cli/scan';
import type { LocalSystem } from '../local/system';
import { outboxRowsOf, type OutboxRow } from './duplicates';

/**
 * Everything the invariants are checked against, read from the stores once the system is quiet:
 * business tables (orders, stock, points, audit, login counter, config cache), every outbox row, every
 * idempotency marker by consumer, and the failed-message stores.
 */
export interface SystemSnapshot {
  orders: Map<string, OrderItem>;
  available: Map<string, number>;
  reservations: Map<string, Reservation>;
  balances: Map<string, Account>;
  awards: Map<string, Award>;
  outboxRows: OutboxRow[];
  /** Per consumer: event ids (idempotency keys) with a COMPLETED marker, and the number still IN_PROGRESS. */
  markers: Map<string, { completed: Set<string>; inProgress: number }>;
  auditEventIds: string[];
  loginsPerUser: Map<string, number>;
  configCache: { key: string; applied_event_id: string }[];
  failedMessages: { status: string; event_id: string }[];
  /** detail-type → the consumers whose rule matches it. */
  subscribers: Map<string, string[]>;
}

export async function takeSnapshot(sys: LocalSystem): Promise<SystemSnapshot> {
  const ddb = sys.clients.dynamodb;
  const idempotencyTables = [...new Set(sys.deployment.consumers.map((c) => c.idempotencyTableName))];
  const [orders, stock, points, outboxRows, markerItems, audit, logins, configCache, failed] = await Promise.all([
    scanItems<OrderItem>(ddb, sys.tables.orders),
    scanItems<{ pk: string; available?: number } & Partial<Reservation>>(ddb, sys.tables.stock),
    scanItems<{ pk: string } & Partial<Account & Award>>(ddb, sys.tables.points),
    outboxRowsOf(sys),
    Promise.all(idempotencyTables.map((t) => scanItems<{ id: string; status: string }>(ddb, t, { ProjectionExpression: 'id, #s', ExpressionAttributeNames: { '#s': 'status' } }))),
    scanItems<{ event_id: string }>(ddb, sys.tables.audit, { ProjectionExpression: 'event_id' }),
    scanItems<{ pk: string; logins: number }>(ddb, sys.tables.loginCounter),
    scanItems<{ key: string; applied_event_id: string }>(ddb, sys.tables.configCache),
    Promise.all(sys.deployment.failedMessages.map((f) => scanItems<{ status: string; event_id: string }>(ddb, f.tableName))),
  ]);
  const markers = new Map(sys.deployment.consumers.map((c) => [c.name, { completed: new Set<string>(), inProgress: 0 }]));
  for (const item of markerItems.flat()) {
    const cut = item.id.indexOf('#');
    const entry = markers.get(item.id.slice(0, cut));
    if (!entry) continue;
    if (item.status === 'COMPLETED') entry.completed.add(item.id.slice(cut + 1));
    else entry.inProgress += 1;
  }
  const subscribers = new Map<string, string[]>();
  for (const c of sys.deployment.consumers) for (const t of c.detailTypes) subscribers.set(t, [...(subscribers.get(t) ?? []), c.name]);
  return {
    orders: new Map(orders.filter((o) => o.pk.startsWith('ORDER#')).map((o) => [o.order_id, o])),
    available: new Map(stock.filter((s) => s.pk.startsWith('SKU#')).map((s) => [s.pk.slice('SKU#'.length), Number(s.available)])),
    reservations: new Map(stock.filter((s) => s.pk.startsWith('RES#')).map((s) => [s.order_id!, s as Reservation])),
    balances: new Map(points.filter((p) => p.pk.startsWith('USER#')).map((p) => [p.user_id!, p as Account])),
    awards: new Map(points.filter((p) => p.pk.startsWith('AWARD#')).map((p) => [p.order_id!, p as Award])),
    outboxRows,
    markers,
    auditEventIds: audit.map((a) => a.event_id),
    // the table also holds one COUNTED#<event_id> fence per counted sign-in
    loginsPerUser: new Map(logins.filter((l) => l.pk.startsWith('USER#')).map((l) => [l.pk.slice('USER#'.length), Number(l.logins)])),
    configCache,
    failedMessages: failed.flat(),
    subscribers,
  };
}
