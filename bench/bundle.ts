/**
 * Bundle size and cold-import time: the example courier consumer, the same consumer with Powertools
 * Logger + Metrics for its logs and EMF (what adopting them would cost), and its Powertools batch +
 * idempotency + parser equivalent, each bundled by esbuild the way a Lambda deployment would be
 * (minified ESM for Node, AWS SDK included).
 *
 * Run alone: npx tsx bench/bundle.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const IMPORTS = 21;
const here = fileURLToPath(new URL('.', import.meta.url));

// The SDK's ESM build still calls require() for some Node built-ins; give the bundle a real one.
const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

/** Bundles `entry` (a path; fixture names resolve in bench/fixtures) to `outfile`; returns its size in bytes. */
export async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [entry.includes('/') ? entry : join(here, 'fixtures', entry)],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    banner: { js: banner },
    logLevel: 'error',
  });
  return statSync(outfile).size;
}

/**
 * Median wall time of a fresh `node` importing each bundle (module evaluation and handler construction).
 * The bundles are imported in turn (A, B, C, A, B, C, …), so load from other work on the machine falls
 * on all of them alike.
 */
export function coldImportMs(files: string[]): number[] {
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1', IDEMPOTENCY_TABLE: 'bench', CONSUMER_NAME: 'bench', DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
  const times = files.map((): number[] => []);
  for (let i = 0; i < IMPORTS; i++) {
    files.forEach((file, k) => {
      const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`import of ${file} failed: ${out.stderr}`);
      times[k]!.push(Number(out.stdout.trim()));
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;

export async function runBundleBench(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'courier-bundle-'));
  try {
    const courierFile = join(dir, 'courier.mjs');
    const observabilityFile = join(dir, 'courier-powertools-observability.mjs');
    const powertoolsFile = join(dir, 'powertools.mjs');
    const courier = await bundle('courier-consumer.ts', courierFile);
    const observability = await bundle('courier-powertools-observability.ts', observabilityFile);
    const powertools = await bundle('powertools-consumer.ts', powertoolsFile);
    const [courierMs, observabilityMs, powertoolsMs] = coldImportMs([courierFile, observabilityFile, powertoolsFile]) as [number, number, number];
    return [
      '## Consumer bundle',
      '',
      'esbuild, minified, ESM, platform node, AWS SDK bundled (not external). Cold import = median over',
      `${IMPORTS} fresh \`node\` processes of the time to import the bundle (module evaluation, handler construction),`,
      'the bundles imported in turn so that load from other work falls on all of them alike.',
      '',
      '| bundle | size | cold import |',
      '|---|---:|---:|',
      `| courier consumer (bench/fixtures/courier-consumer.ts) | ${kb(courier)} (${courier} B) | ${courierMs.toFixed(1)} ms |`,
      `| courier consumer with Powertools Logger + Metrics (bench/fixtures/courier-powertools-observability.ts) | ${kb(observability)} (${observability} B) | ${observabilityMs.toFixed(1)} ms |`,
      `| Powertools batch + idempotency + parser (bench/fixtures/powertools-consumer.ts) | ${kb(powertools)} (${powertools} B) | ${powertoolsMs.toFixed(1)} ms |`,
      '',
      `- size ratio courier / Powertools: **${(courier / powertools).toFixed(3)}** (budget ≤ 0.5)`,
      `- cold-import ratio courier / Powertools: **${(courierMs / powertoolsMs).toFixed(2)}**`,
      `- adopting Powertools Logger + Metrics: **+${kb(observability - courier)}** (+${(((observability - courier) / courier) * 100).toFixed(0)} %), cold import ${signed(observabilityMs - courierMs)} ms; size ratio to the Powertools consumer would be ${(observability / powertools).toFixed(2)}`,
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBundleBench().then((md) => console.log(md));
}
