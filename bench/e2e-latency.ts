/**
 * End-to-end latency on the local engine: 1,000 orders, POST /orders → order CONFIRMED, p50/p99.
 * Starts the engine (COURIER_ENGINE_PORT or 4566) and deploys if needed; stops it again if it started it.
 * Orders go in open-loop at a fixed rate (not as fast as possible), so the numbers are latency at a
 * load the engine sustains, not queueing behind a backlog.
 *
 * Measured from timestamps, not by polling: the client's clock when it started each POST, and the
 * orders-progress log line (same host clock) of the reply that completed CONFIRMED, i.e. the later of
 * the inventory.reserved.v1 and risk.assessed.v1 records processed for that order (correlation id = order
 * id). Polling GET /orders would add its interval to every number and load the API it measures.
 * Run alone: npx tsx bench/e2e-latency.ts
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { mapLimit } from '../functions/runtime/support/map-limit';
import { ensureEngine, stopEngine } from '../bin/cli/local/engine';
import { placeOrder } from '../scripts/local/actions';
import { deployToEngine } from '../bin/cli/local/deploy';
import { forEachLogLine } from '../scripts/local/outcomes';
import { clearState } from '../scripts/local/state';
import { connect, waitFor } from '../scripts/local/system';
import { seedInventory } from '../scripts/seed-inventory';

const ORDERS = 1_000;
const PER_SECOND = 8;
const COMPLETING = new Set(['inventory.reserved.v1', 'risk.assessed.v1']);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const log = (line: string) => process.stderr.write(`[e2e-latency] ${line}\n`);

export async function runE2eLatencyBench(): Promise<string> {
  const engine = await ensureEngine({ log });
  try {
    await deployToEngine(engine, { log, resetOnFailure: true });
    const sys = await connect(engine.endpoint);
    await clearState(sys.deployment, sys.clients.sqs, sys.clients.dynamodb);
    await seedInventory(sys.tables.stock, { 'SKU-TEA': ORDERS * 10 }, sys.clients.dynamodb);
    const since = Date.now();

    const postedAt = new Map<string, number>();
    const postMs: number[] = [];
    await mapLimit(Array.from({ length: ORDERS }, (_, i) => i), 16, async (i) => {
      const due = since + (i * 1000) / PER_SECOND;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      const started = Date.now();
      const res = await placeOrder(sys, { user_id: `bench-${i % 97}`, lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 450 }] });
      if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.body)}`);
      postMs.push(Date.now() - started);
      postedAt.set(res.body.order_id, started);
    });
    log(`placed ${ORDERS} orders at ${PER_SECOND}/s`);
    await waitFor('every order CONFIRMED', async () => {
      const { Count = 0 } = await sys.clients.dynamodb.send(
        new ScanCommand({ TableName: sys.tables.orders, Select: 'COUNT', FilterExpression: '#s = :c', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': { S: 'CONFIRMED' } } }),
      );
      return Count >= ORDERS ? true : undefined;
    }, 300_000, 2_000);

    const confirmedAt = new Map<string, number>();
    await waitFor('the completing log lines of every order', async () => {
      confirmedAt.clear();
      await forEachLogLine(sys.clients.logs, sys.consumer('orders-progress').logGroupName, since, '"record processed"', (line) => {
        const entry = JSON.parse(line) as { correlation_id?: string; detail_type?: string; timestamp?: string };
        if (!entry.correlation_id || !COMPLETING.has(entry.detail_type ?? '') || !postedAt.has(entry.correlation_id)) return;
        confirmedAt.set(entry.correlation_id, Math.max(confirmedAt.get(entry.correlation_id) ?? 0, Date.parse(entry.timestamp!)));
      });
      return confirmedAt.size >= ORDERS ? true : undefined;
    }, 60_000, 2_000);

    const latencies = [...postedAt].map(([id, at]) => confirmedAt.get(id)! - at).sort((a, b) => a - b);
    const posts = postMs.sort((a, b) => a - b);
    const row = (name: string, v: number[]) => `| ${name} | ${quantile(v, 0.5)} ms | ${quantile(v, 0.9)} ms | ${quantile(v, 0.99)} ms | ${v.at(-1)} ms |`;
    return [
      '## End-to-end latency on the local engine',
      '',
      `${ORDERS.toLocaleString('en')} orders placed open-loop at ${PER_SECOND}/s on ${engine.engine} ${engine.version ?? ''} (${cpus().length} cores, shared with the emulator). ` +
        'POST start (client clock) → the orders-progress log line of the reply that completed CONFIRMED (same host clock): HTTP API → Lambda → DynamoDB transaction → stream → relay → EventBridge → 3 SQS consumers → replies through 2 outbox relays and 1 direct publish → EventBridge → SQS → orders-progress.',
      '',
      '| | p50 | p90 | p99 | max |',
      '|---|---:|---:|---:|---:|',
      row('POST /orders → 202', posts),
      row('POST /orders → CONFIRMED', latencies),
      '',
      'The local engine is not AWS: it runs every function as a local process on this machine, so these numbers show the pipeline\'s own overhead and its hops, not AWS service latency.',
      '',
    ].join('\n');
  } finally {
    if (engine.started) await stopEngine();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await runE2eLatencyBench()}\n`);
}
