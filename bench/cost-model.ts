/**
 * Cost model: one million orders through the reference system on AWS, from list prices (us-east-1) and
 * the request counts the data path implies. The counts are derived, not guessed: which events an order
 * causes and who subscribes to them come from functions/events/services.ts, batch sizes from the
 * constructs' defaults, and the DynamoDB requests of each step from what its code sends (noted per row).
 * What is assumed (item sizes, durations, log line sizes, skus per order) is a named constant below.
 * The request shapes (write and read units per step, GSI writes included) are the ones the counted run
 * (bench/counted-cost.ts, which also prints this model beside what it counted) measured on the local
 * engine; busy batches are measured there too. This model remains the extrapolation to the quiet case
 * and the home of the prices.
 * Run alone: npx tsx bench/cost-model.ts
 */
import { pathToFileURL } from 'node:url';
import { InventoryReservedV1 } from '../functions/events/inventory';
import { OrderCreatedV1 } from '../functions/events/orders';
import { PointsAwardedV1 } from '../functions/events/points';
import { RiskAssessedV1 } from '../functions/events/risk';
import { services } from '../functions/events/services';
import { DEFAULT_BATCH_SIZE } from '../lib/constructs/consumer';
import { DEFAULT_RELAY_BATCH_SIZE } from '../lib/constructs/outbox';

/** AWS list prices, us-east-1, as published on the AWS pricing pages in July 2025. Verify before use. */
export const PRICES = {
  asOf: '2025-07 (us-east-1 list prices; DynamoDB on-demand after the Nov 2024 reduction); verify before use',
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  httpApiRequest: 1.0 / 1e6,
  eventBridgeEvent: 1.0 / 1e6,
  sqsRequest: 0.4 / 1e6,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  logsIngestGb: 0.5,
  customMetricMonth: 0.3,
  alarmMonth: 0.1,
} as const;

/** Assumptions (not measured on AWS): every item ≤ 1 KB written / ≤ 4 KB read; durations billed per invocation. */
const ASSUME = {
  skusPerOrder: 2,
  memoryGb: 256 / 1024,
  apiMs: 40,
  invocationBaseMs: 20,
  perRecordMs: 30,
  // a Powertools-shaped line as the local engine's e2e run wrote them: record lines ≈ 590 bytes,
  // "event published" and "request handled" lines ≈ 430
  logBytesPerLine: 550,
  logBytesPerInvocation: 800, // START/END/REPORT platform lines + one EMF document
  accessLogBytes: 250,
};

/** The events of one confirmed order, in the order they happen; who publishes each decides outbox vs direct. */
const HAPPY_PATH = [
  { event: OrderCreatedV1, via: 'orders outbox' },
  { event: InventoryReservedV1, via: 'inventory outbox' },
  { event: RiskAssessedV1, via: 'direct (publishOrStore)' },
  { event: PointsAwardedV1, via: 'points outbox' },
] as const;

const subscribersOf = (detailType: string) =>
  Object.entries(services).filter(([, s]) => s.consumes.some((e) => e.detailType === detailType)).map(([name]) => name);

/** The sparse GSI of every outbox: a row enters it when written (one write) and leaves it when marked published (one write). */
const OUTBOX_GSI_WRITES_PER_ROW = 2;

/** DynamoDB requests of one consumer record, by the service that handles it (see each handler). */
function consumerDynamo(service: string): { wru: number; gsiWru: number; rru: number; note: string } {
  const L = ASSUME.skusPerOrder;
  switch (service) {
    case 'inventory': // optimistic: BatchGet reservation + skus (consistent); transaction: reservation, L stock updates, outbox row, marker
      return { wru: 2 * (L + 3), gsiWru: 1, rru: 1 + L, note: `TransactWriteItems of ${L + 3} items × 2` };
    case 'points': // optimistic: BatchGet award + account; transaction: award, balance, outbox row, marker
      return { wru: 2 * 4, gsiWru: 1, rru: 2, note: 'TransactWriteItems of 4 items × 2' };
    case 'risk': // claim (it publishes): PartiQL INSERT of the marker, then the completion UPDATE at the end of the batch
      return { wru: 2, gsiWru: 0, rru: 0, note: 'claim + completion' };
    case 'orders': // optimistic: GetItem order (consistent); the order's conditional UpdateItem, then the marker's PutItem
      return { wru: 2, gsiWru: 0, rru: 1, note: 'UpdateItem + marker PutItem' };
    default:
      throw new Error(`no request model for ${service}`);
  }
}

export interface Line {
  component: string;
  unit: string;
  perOrder: number;
  price: number;
  note: string;
}

/** Request counts per order with `recordsPerBatch` records per SQS invocation and `streamBatch` per relay invocation. */
export function perOrder(recordsPerBatch: number, streamBatch: number): Line[] {
  const deliveries = HAPPY_PATH.flatMap(({ event }) => subscribersOf(event.detailType).map((service) => ({ event, service })));
  const outboxRows = HAPPY_PATH.filter((s) => s.via.includes('outbox')).length;
  const consumerInvocations = deliveries.length / recordsPerBatch;
  const relayInvocations = outboxRows / streamBatch;
  const invocations = 1 + consumerInvocations + relayInvocations;
  const gbSeconds =
    ASSUME.memoryGb *
    (ASSUME.apiMs + (consumerInvocations + relayInvocations) * ASSUME.invocationBaseMs + (deliveries.length + outboxRows) * ASSUME.perRecordMs) /
    1000;
  const dynamo = deliveries.map((d) => consumerDynamo(d.service));
  // API: TransactWriteItems of the order, its Idempotency-Key item and its outbox row (× 2 per item); relay per row: consistent BatchGet + UpdateItem (mark published)
  const wru = 3 * 2 + outboxRows * 1 + dynamo.reduce((n, d) => n + d.wru, 0);
  const gsiWru = outboxRows * OUTBOX_GSI_WRITES_PER_ROW;
  const rru = outboxRows * 1 + dynamo.reduce((n, d) => n + d.rru, 0);
  // one line per delivered record, per published event and for the API request
  const logLines = deliveries.length + HAPPY_PATH.length + 1;
  const logBytes = ASSUME.accessLogBytes + invocations * ASSUME.logBytesPerInvocation + logLines * ASSUME.logBytesPerLine;
  return [
    { component: 'API Gateway HTTP API', unit: 'requests', perOrder: 1, price: PRICES.httpApiRequest, note: 'POST /orders' },
    { component: 'Lambda', unit: 'invocations', perOrder: invocations, price: PRICES.lambdaRequest, note: `1 API + ${deliveries.length} deliveries / ${recordsPerBatch} + ${outboxRows} rows / ${streamBatch}` },
    { component: 'Lambda (arm64, 256 MB)', unit: 'GB-s', perOrder: gbSeconds, price: PRICES.lambdaGbSecondArm, note: `${ASSUME.invocationBaseMs} ms per invocation + ${ASSUME.perRecordMs} ms per record (assumed)` },
    { component: 'EventBridge', unit: 'events published', perOrder: HAPPY_PATH.length, price: PRICES.eventBridgeEvent, note: HAPPY_PATH.map((s) => s.event.detailType).join(', ') },
    { component: 'SQS: EventBridge → queue', unit: 'SendMessage', perOrder: deliveries.length, price: PRICES.sqsRequest, note: `${deliveries.length} deliveries` },
    { component: 'SQS: event source mapping', unit: 'ReceiveMessage', perOrder: deliveries.length / recordsPerBatch, price: PRICES.sqsRequest, note: `one per batch of ${recordsPerBatch}` },
    { component: 'SQS: event source mapping', unit: 'DeleteMessageBatch', perOrder: deliveries.length / recordsPerBatch, price: PRICES.sqsRequest, note: `one per batch of ${recordsPerBatch}` },
    { component: 'DynamoDB', unit: 'write request units (tables)', perOrder: wru, price: PRICES.dynamoWru, note: 'transactions count 2 per item; markers, outbox, business items' },
    { component: 'DynamoDB', unit: 'write request units (GSIs)', perOrder: gsiWru, price: PRICES.dynamoWru, note: `outbox pending-by-age: ${OUTBOX_GSI_WRITES_PER_ROW} a row` },
    { component: 'DynamoDB', unit: 'read request units', perOrder: rru, price: PRICES.dynamoRru, note: 'consistent reads; stream reads by Lambda are free' },
    { component: 'CloudWatch Logs', unit: 'GB ingested', perOrder: logBytes / 2 ** 30, price: PRICES.logsIngestGb, note: `≈ ${Math.round(logBytes)} bytes: ${logLines} lines (per record, per published event, the request), platform lines + EMF per invocation, access log` },
  ];
}

const ORDERS = 1_000_000;
const money = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
const count = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));

export function renderCostModel(): string {
  const busy = perOrder(DEFAULT_BATCH_SIZE, DEFAULT_RELAY_BATCH_SIZE);
  const quiet = perOrder(1, 1);
  const deliveries = HAPPY_PATH.map((s) => `${s.event.detailType} → ${subscribersOf(s.event.detailType).join(', ')}`);
  const total = (lines: Line[]) => lines.reduce((n, l) => n + l.perOrder * ORDERS * l.price, 0);
  const consumers = Object.values(services).reduce((n, s) => n + (s.consumes.length > 0 ? 1 : 0), 0);
  return [
    '## Cost model: one million orders',
    '',
    `Prices: ${PRICES.asOf}. A confirmed order is ${HAPPY_PATH.length} events (${deliveries.join('; ')}): ${HAPPY_PATH.reduce((n, s) => n + subscribersOf(s.event.detailType).length, 0)} consumer deliveries, ${HAPPY_PATH.filter((s) => s.via.includes('outbox')).length} outbox rows. ` +
      `Two batching extremes: *busy* (full batches: ${DEFAULT_BATCH_SIZE} records per SQS invocation, ${DEFAULT_RELAY_BATCH_SIZE} stream records per relay invocation) and *quiet* (one record per invocation, e.g. 1 M orders spread over a month).`,
    '',
    '| component | unit | per order (busy) | per 1 M (busy) | cost busy | per order (quiet) | cost quiet | unit price | how counted |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...busy.map((b, i) => {
      const q = quiet[i]!;
      return `| ${b.component} | ${b.unit} | ${count(b.perOrder)} | ${count(b.perOrder * ORDERS)} | ${money(b.perOrder * ORDERS * b.price)} | ${count(q.perOrder)} | ${money(q.perOrder * ORDERS * q.price)} | $${(b.price * (b.unit === 'GB ingested' || b.unit === 'GB-s' ? 1 : 1e6)).toPrecision(3)}${b.unit === 'GB ingested' ? '/GB' : b.unit === 'GB-s' ? '/GB-s' : '/M'} | ${b.note} |`;
    }),
    `| **total** | | | | **${money(total(busy))}** | | **${money(total(quiet))}** | | |`,
    '',
    `Per thousand orders: ${money((total(busy) / ORDERS) * 1000)} (busy) to ${money((total(quiet) / ORDERS) * 1000)} (quiet). DynamoDB writes dominate: state changes and their outbox rows are transactions (2 WRU per item), and every outbox row costs two GSI writes and its published mark. The request counts are what the counted run measured (bench/counted-cost.ts, § Counted cost); durations and log sizes are assumed here.`,
    `Not per order (monthly, fixed): EMF custom metrics (≈ ${consumers} services × 5 metrics, ${money(PRICES.customMetricMonth)} each), alarms (${money(PRICES.alarmMonth)} each, 5 per consumer), idle SQS long polling by the event source mappings, scheduled sweepers and retriers; storage (outbox rows kept 7 days, idempotency markers 31 days — the default horizon, longer than every redelivery path) and PITR; rejected or cancelled orders add order.cancelled.v1 (1 event, 2 deliveries) and retries add deliveries in proportion.`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${renderCostModel()}\n`);
}
