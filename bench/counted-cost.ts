/**
 * Cost from counted requests (issue 15, item 2): places orders on the local engine through the signed
 * orders API with request counting switched on in every deployed function, waits until the system is
 * quiet, reads everything back and prices it per million orders at bench/cost-model.ts's list prices,
 * beside that model's assumed figures.
 *
 * How it counts (details in scripts/cost/*):
 * - Inside the functions: the local deployment (and only it; test/infra/assets.test.ts greps the AWS
 *   bundles) injects scripts/cost/install-counting.ts into every bundle, the toolkit's relay, sweeper and
 *   retrier built from source alike. With COURIER_COUNT_REQUESTS=<a directory> (set here on every function
 *   with UpdateFunctionConfiguration, read back, removed afterwards) every AWS SDK request attempt of every
 *   client writes one line of facts into a file of its process in that directory (not the log: the
 *   engine's log capture drops lines written at the very end of an invocation, see
 *   scripts/cost/count-middleware.ts): service, operation, tables, the bytes of each item put or read
 *   (DynamoDB's size rules), the keys of items updated or deleted, transaction membership, per-item
 *   failures; SQS payload chunks; PutEvents entries and billed events. Every consumer batch writes its size
 *   and how many records arrive for the first time (= SendMessage by the EventBridge rule).
 * - From the engine: each invocation's REPORT line (count and billed duration; durations are this
 *   2-core x86 machine's under load, not Lambda's arm64), and the engine's own log, which records one line
 *   per SQS batch its event source mapping took (= ReceiveMessage, and DeleteMessageBatch when a record
 *   succeeded; the mapping's idle long polls are a fixed cost and not counted).
 * - Afterwards: every table's layout (GSIs, projections) and every item's size, which sizes the updates
 *   (an update's request does not carry its item) and decides the GSI writes (scripts/cost/units.ts).
 * - Log volume: every line the functions wrote except the count lines, START/END/REPORT included, plus
 *   the HTTP API's access-log line per request (derived: the engine writes none).
 *
 * Modes: `busy` (default) stages the pipeline so every SQS batch is full — the cost model's busy case —
 * and `paced` runs everything at `--rate` orders per second. Stops nothing it did not start; the engine
 * (COURIER_ENGINE_PORT or 4566) is started and the app deployed if needed.
 *
 * npx tsx bench/counted-cost.ts [--orders 1000] [--mode busy|paced] [--rate 20] [--out bench/counted-cost-latest.md] [--title …] [--skip-deploy]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deployToEngine } from '../bin/cli/local/deploy';
import { engineStatus, enginePaths, ensureEngine } from '../bin/cli/local/engine';
import { scanItems } from '../bin/cli/scan';
import { clearState } from '../scripts/local/state';
import { connect, type LocalSystem } from '../scripts/local/system';
import { seedInventory } from '../scripts/seed-inventory';
import { engineEsmBatches, engineLogOffset, readFunctionRun, tableStates } from '../scripts/cost/collect';
import { costLines, renderCountedCost, type CountedRun } from '../scripts/cost/cost-table';
import { deployedFunctions, setCounting } from '../scripts/cost/deployed-functions';
import { costStock, runLoad, type LoadMode } from '../scripts/cost/load';
import { mapLimit } from '../functions/runtime/support/map-limit';

export const COUNTED_COST_LATEST = 'bench/counted-cost-latest.md';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000' },
    mode: { type: 'string', default: 'busy' },
    rate: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    out: { type: 'string', default: COUNTED_COST_LATEST },
    title: { type: 'string' },
    'budget-minutes': { type: 'string', default: '30' },
    'skip-deploy': { type: 'boolean', default: false },
  },
});
const orders = Number(values.orders);
const mode = values.mode as LoadMode;
if (!Number.isSafeInteger(orders) || orders < 1) throw new Error(`--orders must be a positive integer, got ${values.orders}`);
if (mode !== 'busy' && mode !== 'paced') throw new Error(`--mode must be busy or paced, got ${values.mode}`);
const say = (line: string) => process.stderr.write(`[cost ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const engine = await ensureEngine();
say(`${engine.engine} ${engine.version ?? ''} at ${engine.endpoint}${engine.started ? ' (started)' : ''}`);
const status = await engineStatus();
if (engine.engine !== 'ministack' || !status.running) throw new Error('the counted-cost run reads the engine\'s own log: it needs the MiniStack these scripts manage (not an attached engine)');
if (engine.started || !values['skip-deploy']) await deployToEngine(engine, { log: say, resetOnFailure: true });
const sys = await connect(engine.endpoint);
const functions = await deployedFunctions(sys);
const started = Date.now();
const deadline = started + Number(values['budget-minutes']) * 60_000;

say('clear queues and tables, seed stock');
await clearState(sys.deployment, sys.clients.sqs, sys.clients.dynamodb);
await seedInventory(sys.tables.stock, costStock(orders), sys.clients.dynamodb);
// The functions run as processes on this machine: they append their count lines to files here.
const countDir = mkdtempSync(join(tmpdir(), 'courier-cost-'));
await setCounting(sys, functions, countDir);
say(`request counting on in ${functions.length} functions (read back), into ${countDir}`);
const since = Date.now();
const logPath = enginePaths().log;
const offset = engineLogOffset(logPath);
try {
  await runLoad(sys, { orders, mode, perSecond: Number(values.rate), concurrency: Number(values.concurrency), runId: `cost-${since.toString(36)}`, deadline, log: say });
} finally {
  await setCounting(sys, functions, undefined);
  say('request counting off (read back)');
}
const seconds = (Date.now() - since) / 1000;

say('reading back logs, the engine log and the tables');
const runs = await mapLimit(functions, 3, (fn) => readFunctionRun(sys, fn, countDir, since));
rmSync(countDir, { recursive: true, force: true });
const esm = engineEsmBatches(logPath, offset);
const touched = new Set(runs.flatMap((r) => r.facts.flatMap((f) => (f.items ?? []).map((i) => i.t))));
const run: CountedRun = { orders, functions: runs, esm, tables: await tableStates(sys, touched), tableLabels: tableLabels(sys) };
const statuses = await orderStatuses(sys);
if ((statuses.CONFIRMED ?? 0) !== orders) throw new Error(`expected ${orders} confirmed orders, found ${JSON.stringify(statuses)}`);

const title = values.title ?? `Counted cost: ${orders.toLocaleString('en')} orders, ${mode} (${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores)`;
const context = [
  `${orders} orders (two skus each, an Idempotency-Key each) through the signed orders API; ${mode === 'busy' ? 'busy: each hop drained at once, so SQS batches are full' : `paced at ≤ ${values.rate}/s`}; final states ${Object.entries(statuses).map(([k, v]) => `${k} ${v}`).join(', ')}; ${seconds.toFixed(0)} s from counting on to quiet; ${runs.reduce((n, r) => n + r.facts.length, 0)} requests counted in ${runs.filter((r) => r.facts.length > 0).length} functions.`,
  `Prices: bench/cost-model.ts (PRICES). Command: \`npx tsx bench/counted-cost.ts --orders ${orders} --mode ${mode}\`.`,
];
const table = renderCountedCost(run, title, context);
process.stdout.write(`\n${table}\n`);
writeFileSync(values.out!, `${table}\n`);
say(`table written to ${values.out}; total $${costLines(run).reduce((n, l) => n + (l.count / orders) * 1e6 * l.price, 0).toFixed(2)} per million orders`);

/** physical table name → what it is, from the deployment. */
function tableLabels(s: LocalSystem): Map<string, string> {
  const d = s.deployment;
  const labels = new Map<string, string>();
  for (const outputs of Object.values(d.outputs)) for (const [key, name] of Object.entries(outputs)) if (/Table$/.test(key)) labels.set(name, key.replace(/Table$/, '').toLowerCase());
  for (const c of d.consumers) labels.set(c.idempotencyTableName, `idempotency (${c.service})`);
  for (const o of d.outboxes) labels.set(o.tableName, `${o.service} outbox`);
  for (const f of d.failedMessages) labels.set(f.tableName, `${f.service} failed messages`);
  return labels;
}

async function orderStatuses(s: LocalSystem): Promise<Record<string, number>> {
  const items = await scanItems<{ pk: string; status?: string }>(s.clients.dynamodb, s.tables.orders, { ProjectionExpression: 'pk, #s', ExpressionAttributeNames: { '#s': 'status' } });
  const counts: Record<string, number> = {};
  for (const item of items) if (item.pk.startsWith('ORDER#')) counts[item.status ?? '?'] = (counts[item.status ?? '?'] ?? 0) + 1;
  return counts;
}
