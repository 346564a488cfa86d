import { PRICES, perOrder as assumedPerOrder } from '../../bench/cost-model';
import { DEFAULT_BATCH_SIZE } from '../../lib/constructs/consumer';
import { DEFAULT_RELAY_BATCH_SIZE } from '../../lib/constructs/outbox';
import type { EsmBatch, FunctionRun } from './collect';
import type { FunctionRole } from './deployed-functions';
import type { ItemFact } from './request-facts';
import { addUnits, emptyUnits, gsiTotal, itemUnits, requestUnits, type TableState, type Units } from './units';

/**
 * The counted-cost tables: what one run counted, per order and per million orders at bench/cost-model.ts's
 * list prices, beside that model's assumed figures. Each line says how its number was obtained:
 * - counted: from the count lines the deployed functions wrote, one per request (request-facts.ts), with
 *   DynamoDB units by AWS's rules from the item sizes (units.ts);
 * - engine: from what the local engine recorded itself — the platform REPORT line of every invocation
 *   (durations are this machine's, x86 under load, not Lambda's arm64), its event source mapping's
 *   one log line per SQS batch;
 * - derived: a counted number times a documented size (the HTTP API's access-log line, which the engine
 *   does not write).
 * Scheduled functions (sweepers, retriers) run whatever the traffic: they are a monthly cost, listed apart.
 */
export interface CountedRun {
  orders: number;
  functions: FunctionRun[];
  esm: EsmBatch[];
  tables: ReadonlyMap<string, TableState>;
  /** physical table name → what it is (`orders outbox`, `idempotency (points)`…) */
  tableLabels: ReadonlyMap<string, string>;
}

export type How = 'counted' | 'engine' | 'derived';

export interface CostLine {
  component: string;
  unit: string;
  count: number;
  price: number;
  how: How;
  note: string;
  /** The assumed model's figure per order for the same line, when it has one. */
  assumed?: number;
}

/** One access-log line of the HTTP API stage in the format lib/constructs/service-api.ts sets, with typical values (the engine writes none). */
export const ACCESS_LOG_LINE_BYTES = Buffer.byteLength(
  JSON.stringify({
    requestId: 'Jd3K1gWJoAMEV9w=',
    ip: '203.0.113.7',
    requestTime: '30/Nov/2026:07:59:26 +0000',
    routeKey: 'POST /orders',
    integrationError: '-',
    status: '202',
    responseLength: '160',
    responseLatency: '41',
    integrationLatency: '39',
    caller: 'arn:aws:sts::123456789012:assumed-role/dev-CourierOrders-ApiRoleUsersOnBehalfOf/checkout',
    subject: '-',
  }),
);

const PER_ORDER_ROLES: ReadonlySet<FunctionRole> = new Set(['api', 'consumer', 'relay']);
const perOrderRuns = (run: CountedRun) => run.functions.filter((f) => PER_ORDER_ROLES.has(f.fn.role));
const ordersApi = (run: CountedRun) => run.functions.filter((f) => f.fn.owner === 'orders-api');
const sumOf = <T>(items: readonly T[], f: (item: T) => number) => items.reduce((n, item) => n + f(item), 0);

/** DynamoDB units of every request of the per-order functions. */
export function dynamoUnits(run: CountedRun): Units {
  return perOrderRuns(run)
    .flatMap((f) => f.facts)
    .reduce((total, fact) => addUnits(total, requestUnits(fact, run.tables)), emptyUnits());
}

/** The per-order lines, with the assumed model's figures beside them. */
export function costLines(run: CountedRun): CostLine[] {
  const fns = perOrderRuns(run);
  const facts = fns.flatMap((f) => f.facts);
  const invocations = sumOf(fns, (f) => f.durationsMs.length);
  const gbSeconds = sumOf(fns, (f) => (sumOf(f.durationsMs, (ms) => ms) / 1000) * (f.fn.memoryMb / 1024));
  const memory = [...new Set(fns.map((f) => f.fn.memoryMb))].join('/');
  const apiRequests = sumOf(ordersApi(run), (f) => f.durationsMs.length);
  const events = sumOf(facts, (f) => f.events ?? 0);
  const deliveries = sumOf(fns, (f) => sumOf(f.batches, (b) => b.first));
  const receives = run.esm.length;
  const deletes = run.esm.filter((b) => b.deleted > 0).length;
  const functionSqs = facts.filter((f) => f.svc === 'SQS');
  const units = dynamoUnits(run);
  const logBytes = sumOf(fns, (f) => f.logBytes) + apiRequests * ACCESS_LOG_LINE_BYTES;
  const assumed = Object.fromEntries(assumedPerOrder(DEFAULT_BATCH_SIZE, DEFAULT_RELAY_BATCH_SIZE).map((l) => [`${l.component}|${l.unit}`, l.perOrder]));
  const n = run.orders;
  return [
    { component: 'API Gateway HTTP API', unit: 'requests', count: apiRequests, price: PRICES.httpApiRequest, how: 'engine', note: 'orders API invocations (REPORT lines)', assumed: assumed['API Gateway HTTP API|requests'] },
    { component: 'Lambda', unit: 'invocations', count: invocations, price: PRICES.lambdaRequest, how: 'engine', note: `REPORT lines of the API, consumer and relay functions (${invocations} for ${n} orders)`, assumed: assumed['Lambda|invocations'] },
    { component: `Lambda (arm64, ${memory} MB)`, unit: 'GB-s', count: gbSeconds, price: PRICES.lambdaGbSecondArm, how: 'engine', note: `billed durations on the engine (mean ${(sumOf(fns, (f) => sumOf(f.durationsMs, (ms) => ms)) / Math.max(1, invocations)).toFixed(0)} ms an invocation; this machine, not Lambda)`, assumed: assumed[`Lambda (arm64, 256 MB)|GB-s`] },
    { component: 'EventBridge', unit: 'events published', count: events, price: PRICES.eventBridgeEvent, how: 'counted', note: `PutEvents entries that went out, per 64 KB (${sumOf(facts, (f) => (f.op === 'PutEvents' ? 1 : 0))} calls)`, assumed: assumed['EventBridge|events published'] },
    { component: 'SQS: EventBridge → queue', unit: 'SendMessage', count: deliveries, price: PRICES.sqsRequest, how: 'counted', note: 'records received for the first time by the consumers (one message each)', assumed: assumed['SQS: EventBridge → queue|SendMessage'] },
    { component: 'SQS: event source mapping', unit: 'ReceiveMessage', count: receives, price: PRICES.sqsRequest, how: 'engine', note: `one per batch the engine's poller took (${(sumOf(run.esm, (b) => b.deleted + Math.max(0, b.failed)) / Math.max(1, receives)).toFixed(1)} records a batch); idle polls are a fixed cost`, assumed: assumed['SQS: event source mapping|ReceiveMessage'] },
    { component: 'SQS: event source mapping', unit: 'DeleteMessageBatch', count: deletes, price: PRICES.sqsRequest, how: 'engine', note: 'one per batch with at least one record done', assumed: assumed['SQS: event source mapping|DeleteMessageBatch'] },
    { component: 'SQS: by the functions', unit: 'requests', count: sumOf(functionSqs, (f) => f.chunks ?? 1), price: PRICES.sqsRequest, how: 'counted', note: opsOf(functionSqs) || 'none' },
    { component: 'DynamoDB', unit: 'write request units (tables)', count: units.wru, price: PRICES.dynamoWru, how: 'counted', note: `transactions 2 per item${units.unknownSizes ? `; ${units.unknownSizes} items of unknown size charged 1` : ''}`, assumed: assumed['DynamoDB|write request units (tables)'] },
    { component: 'DynamoDB', unit: 'write request units (GSIs)', count: gsiTotal(units), price: PRICES.dynamoWru, how: 'counted', note: Object.entries(units.gsi).map(([i, u]) => `${i} ${fmt(u / n)}`).join(', ') || 'none', assumed: assumed['DynamoDB|write request units (GSIs)'] },
    { component: 'DynamoDB', unit: 'read request units', count: units.rru, price: PRICES.dynamoRru, how: 'counted', note: `stream reads by Lambda are free${units.lowerBounds ? `; ${units.lowerBounds} projected queries (lower bound)` : ''}`, assumed: assumed['DynamoDB|read request units'] },
    { component: 'CloudWatch Logs', unit: 'GB ingested', count: logBytes / 2 ** 30, price: PRICES.logsIngestGb, how: 'derived', note: `${fmt(sumOf(fns, (f) => f.logBytes) / n)} bytes an order logged by the functions (${fmt(sumOf(fns, (f) => f.logLines) / n)} lines, platform lines included) + ${ACCESS_LOG_LINE_BYTES} bytes of access log a request`, assumed: assumed['CloudWatch Logs|GB ingested'] },
  ];
}

function opsOf(facts: readonly { op: string }[]): string {
  const counts = new Map<string, number>();
  for (const f of facts) counts.set(f.op, (counts.get(f.op) ?? 0) + 1);
  return [...counts].map(([op, c]) => `${op} ${c}`).join(', ');
}

export interface OperationRow {
  service: string;
  operation: string;
  /** who sends it: function roles, or the service that does on its own */
  by: string;
  requests: number;
  wru: number;
  rru: number;
  /** billed units of a service that bills per request or event, when not `requests` */
  billed?: number;
  dollars: number;
}

/** Per service and operation: requests, WRU, RRU and dollars, for the whole run. */
export function operationRows(run: CountedRun): OperationRow[] {
  const rows = new Map<string, OperationRow>();
  const row = (service: string, operation: string, by: string) => {
    const key = `${service}|${operation}|${by}`;
    if (!rows.has(key)) rows.set(key, { service, operation, by, requests: 0, wru: 0, rru: 0, dollars: 0 });
    return rows.get(key)!;
  };
  for (const f of perOrderRuns(run)) {
    for (const fact of f.facts) {
      const r = row(fact.svc, fact.op, f.fn.role);
      r.requests += 1;
      if (fact.svc === 'DynamoDB') {
        const u = requestUnits(fact, run.tables);
        r.wru += u.wru + gsiTotal(u);
        r.rru += u.rru;
        r.dollars += (u.wru + gsiTotal(u)) * PRICES.dynamoWru + u.rru * PRICES.dynamoRru;
      } else if (fact.svc === 'SQS') {
        r.billed = (r.billed ?? 0) + (fact.chunks ?? 1);
        r.dollars += (fact.chunks ?? 1) * PRICES.sqsRequest;
      } else if (fact.svc === 'EventBridge') {
        r.billed = (r.billed ?? 0) + (fact.events ?? 0);
        r.dollars += (fact.events ?? 0) * PRICES.eventBridgeEvent;
      }
    }
    const invoke = row('Lambda', 'Invoke', f.fn.role);
    invoke.requests += f.durationsMs.length;
    invoke.billed = (invoke.billed ?? 0) + sumOf(f.durationsMs, (ms) => ms) / 1000 * (f.fn.memoryMb / 1024);
    invoke.dollars += f.durationsMs.length * PRICES.lambdaRequest + (sumOf(f.durationsMs, (ms) => ms) / 1000) * (f.fn.memoryMb / 1024) * PRICES.lambdaGbSecondArm;
    const deliveries = sumOf(f.batches, (b) => b.first);
    if (deliveries > 0) {
      const send = row('SQS', 'SendMessage', 'EventBridge rule');
      send.requests += deliveries;
      send.dollars += deliveries * PRICES.sqsRequest;
    }
  }
  const receive = row('SQS', 'ReceiveMessage', 'event source mapping');
  receive.requests = run.esm.length;
  receive.dollars = receive.requests * PRICES.sqsRequest;
  const del = row('SQS', 'DeleteMessageBatch', 'event source mapping');
  del.requests = run.esm.filter((b) => b.deleted > 0).length;
  del.dollars = del.requests * PRICES.sqsRequest;
  const api = row('API Gateway', 'POST /orders', 'client');
  api.requests = sumOf(ordersApi(run), (f) => f.durationsMs.length);
  api.dollars = api.requests * PRICES.httpApiRequest;
  return [...rows.values()].filter((r) => r.requests > 0).sort((a, b) => b.dollars - a.dollars);
}

export interface WriteRow {
  /** the function that sent it */
  owner: string;
  table: string;
  action: string;
  items: number;
  wru: number;
  gsiWru: number;
  rru: number;
}

const ACTION_LABEL: Record<ItemFact['a'], string> = { put: 'put', update: 'update', delete: 'delete', check: 'condition check', read: 'read', query: 'query' };

/** Every item a per-order function wrote or read, by function, table and action: which writes an order costs. */
export function itemRows(run: CountedRun): WriteRow[] {
  const rows = new Map<string, WriteRow>();
  for (const f of perOrderRuns(run)) {
    for (const fact of f.facts) {
      if (fact.svc !== 'DynamoDB' || !fact.items) continue;
      if (requestUnits(fact, run.tables).wru + requestUnits(fact, run.tables).rru === 0 && fact.err) continue;
      for (const item of fact.items) {
        const action = `${fact.op} ${ACTION_LABEL[item.a]}${item.tx ? ' (tx)' : ''}${item.fail ? ` → ${item.fail}` : ''}`;
        const table = run.tableLabels.get(item.t) ?? item.t;
        const key = `${f.fn.owner}|${table}|${action}`;
        if (!rows.has(key)) rows.set(key, { owner: f.fn.owner, table, action, items: 0, wru: 0, gsiWru: 0, rru: 0 });
        const r = rows.get(key)!;
        const u = itemUnits(item, run.tables.get(item.t));
        r.items += 1;
        r.wru += u.wru;
        r.gsiWru += gsiTotal(u);
        r.rru += u.rru;
      }
    }
  }
  return [...rows.values()].sort((a, b) => a.owner.localeCompare(b.owner) || b.wru + b.gsiWru - (a.wru + a.gsiWru));
}

/** Largest item per table label and key prefix at the end of the run: what decides the rounding. */
export function itemSizes(run: CountedRun): { table: string; kind: string; items: number; maxBytes: number; meanBytes: number }[] {
  const out: { table: string; kind: string; items: number; maxBytes: number; meanBytes: number }[] = [];
  for (const [name, state] of run.tables) {
    const kinds = new Map<string, number[]>();
    for (const [key, attrs] of state.items) {
      const kind = /=([A-Z_]+)#/.exec(key)?.[1] ?? (/=([a-z-]+)#/.exec(key)?.[1] ? `${/=([a-z-]+)#/.exec(key)![1]}#…` : 'item');
      kinds.set(kind, [...(kinds.get(kind) ?? []), Object.values(attrs).reduce((n, s) => n + s, 0)]);
    }
    for (const [kind, sizes] of kinds) out.push({ table: run.tableLabels.get(name) ?? name, kind, items: sizes.length, maxBytes: Math.max(...sizes), meanBytes: Math.round(sumOf(sizes, (s) => s) / sizes.length) });
  }
  return out.sort((a, b) => a.table.localeCompare(b.table) || a.kind.localeCompare(b.kind));
}

/** The engine's own ConsumedCapacity over the same requests, beside ours (it sums reads and writes, and simplifies: see docs/LOCAL-ENGINE.md). */
export function engineCrossCheck(run: CountedRun): string {
  const facts = perOrderRuns(run).flatMap((f) => f.facts).filter((f) => f.svc === 'DynamoDB');
  const engine = sumOf(facts, (f) => sumOf(f.cc ?? [], (c) => c.u));
  const answered = facts.filter((f) => f.cc).length;
  const ours = dynamoUnits(run);
  const n = run.orders;
  return `Cross-check: the engine's own ConsumedCapacity on the ${answered} of ${facts.length} DynamoDB requests it answered (failed ones carry none) sums to ${fmt(engine / n)} units an order; the count above, ${fmt((ours.wru + gsiTotal(ours) + ours.rru) / n)} (${fmt(ours.wru / n)} + ${fmt(gsiTotal(ours) / n)} GSI write, ${fmt(ours.rru / n)} read).`;
}

/** What the engine's log capture lost: the runtime writes one outcome line per record; the consumers counted their records. */
export function logCapture(run: CountedRun): string {
  const consumers = run.functions.filter((f) => f.fn.role === 'consumer');
  const records = sumOf(consumers, (f) => sumOf(f.batches, (b) => b.batch));
  const lines = sumOf(consumers, (f) => f.outcomeLines);
  return `Log capture check: the consumers counted ${records} records and their logs hold ${lines} per-record outcome lines${records > lines ? ` (${records - lines} lost by the engine's log capture: the log volume above is low by about ${((100 * (records - lines)) / Math.max(1, records)).toFixed(1)} %)` : ''}.`;
}

/** Scheduled functions over the run: invocations and units, to price per month. */
export function scheduledRuns(run: CountedRun): { owner: string; invocations: number; meanMs: number; wru: number; rru: number }[] {
  return run.functions
    .filter((f) => !PER_ORDER_ROLES.has(f.fn.role))
    .map((f) => {
      const u = f.facts.reduce((t, fact) => addUnits(t, requestUnits(fact, run.tables)), emptyUnits());
      return { owner: `${f.fn.owner} ${f.fn.role}`, invocations: f.durationsMs.length, meanMs: sumOf(f.durationsMs, (m) => m) / Math.max(1, f.durationsMs.length), wru: u.wru + gsiTotal(u), rru: u.rru };
    })
    .filter((r) => r.invocations > 0);
}

const MILLION = 1_000_000;
export const fmt = (v: number): string => (v === 0 ? '0' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 0.01 ? v.toFixed(2) : v.toPrecision(2));
const money = (v: number) => `$${v.toFixed(2)}`;

/** The run's tables as Markdown. */
export function renderCountedCost(run: CountedRun, title: string, context: string[]): string {
  const n = run.orders;
  const lines = costLines(run);
  const total = sumOf(lines, (l) => (l.count / n) * MILLION * l.price);
  const assumedTotal = sumOf(assumedPerOrder(DEFAULT_BATCH_SIZE, DEFAULT_RELAY_BATCH_SIZE), (l) => l.perOrder * MILLION * l.price);
  const ops = operationRows(run);
  const items = itemRows(run);
  const per = (v: number) => fmt(v / n);
  return [
    `### ${title}`,
    '',
    ...context,
    '',
    '| component | unit | per order (counted) | per order (assumed model) | per 1 M orders | $ per 1 M (counted) | how |',
    '|---|---|---:|---:|---:|---:|---|',
    ...lines.map((l) => `| ${l.component} | ${l.unit} | ${per(l.count)} | ${l.assumed === undefined ? '' : fmt(l.assumed)} | ${fmt((l.count / n) * MILLION)} | ${money((l.count / n) * MILLION * l.price)} | ${l.how}: ${l.note} |`),
    `| **total** | | | | | **${money(total)}** | assumed model: ${money(assumedTotal)} |`,
    '',
    'Per service and operation (per order; $ per 1 M orders):',
    '',
    '| service | operation | sent by | requests | WRU | RRU | billed units | $ per 1 M |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...ops.map((r) => `| ${r.service} | ${r.operation} | ${r.by} | ${per(r.requests)} | ${r.wru ? per(r.wru) : ''} | ${r.rru ? per(r.rru) : ''} | ${r.billed === undefined ? '' : per(r.billed)} | ${money((r.dollars / n) * MILLION)} |`),
    '',
    'Every DynamoDB item an order touches (per order; WRU with transactions at 2 per item; GSI WRU apart):',
    '',
    '| function | table | request and action | items | WRU | GSI WRU | RRU |',
    '|---|---|---|---:|---:|---:|---:|',
    ...items.map((r) => `| ${r.owner} | ${r.table} | ${r.action} | ${per(r.items)} | ${r.wru ? per(r.wru) : ''} | ${r.gsiWru ? per(r.gsiWru) : ''} | ${r.rru ? per(r.rru) : ''} |`),
    '',
    'Item sizes at the end of the run (bytes by DynamoDB\'s rules):',
    '',
    '| table | item | items | max | mean |',
    '|---|---|---:|---:|---:|',
    ...itemSizes(run).map((s) => `| ${s.table} | ${s.kind} | ${s.items} | ${s.maxBytes} | ${s.meanBytes} |`),
    '',
    logCapture(run),
    '',
    engineCrossCheck(run),
    '',
    `Scheduled functions during the run (a monthly cost, not per order): ${scheduledRuns(run).map((s) => `${s.owner} ${s.invocations} × ${s.meanMs.toFixed(0)} ms, ${fmt(s.wru)} WRU, ${fmt(s.rru)} RRU`).join('; ') || 'none ran'}.`,
  ].join('\n');
}
