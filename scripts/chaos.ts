import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { ensureEngine } from '../bin/cli/local/engine';
import { chaosOptions, runChaos } from './chaos/driver';
import { CHAOS_LATEST, renderChaosTable } from './chaos/report';
import { deployToEngine } from '../bin/cli/local/deploy';
import { connect } from './local/system';

/**
 * `npm run chaos [-- --orders N --concurrency C --rate R --budget-minutes M]`: the fault-injection run (issue 8)
 * on the local engine (COURIER_ENGINE_PORT or 4566; started and deployed if needed). Prints the results
 * table, writes it to bench/chaos-latest.md (bench/RESULTS.md includes it), exits 1 if an invariant fails.
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '10' },
    'budget-minutes': { type: 'string', default: '40' },
    'skip-deploy': { type: 'boolean', default: false },
  },
});
const orders = Number(values.orders);
if (!Number.isSafeInteger(orders) || orders < 1) throw new Error(`--orders must be a positive integer, got ${values.orders}`);
const say = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const engine = await ensureEngine();
say(`${engine.engine} ${engine.version ?? ''} at ${engine.endpoint}${engine.started ? ' (started)' : ''}`);
if (engine.started || !values['skip-deploy']) await deployToEngine(engine, { log: (l) => say(l), resetOnFailure: true });
const sys = await connect(engine.endpoint);
const result = await runChaos(sys, chaosOptions(orders, { concurrency: Number(values.concurrency), perSecond: Number(values.rate), budgetMs: Number(values['budget-minutes']) * 60_000, log: say }));

const table = renderChaosTable(result, `Fault-injection run: ${orders.toLocaleString('en')} orders (${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores)`);
process.stdout.write(`\n${table}\n`);
writeFileSync(CHAOS_LATEST, `${table}\n`);
say(`table written to ${CHAOS_LATEST}`);
process.exit(result.ok ? 0 : 1);
