/**
 * Bundle size and cold-import time: the example courier consumer and its Powertools equivalent, each
 * bundled by esbuild the way a Lambda deployment would be (minified ESM for Node, AWS SDK included).
 *
 * Run alone: npx tsx bench/bundle.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const IMPORTS = 15;
const here = fileURLToPath(new URL('.', import.meta.url));

// The SDK's ESM build still calls require() for some Node built-ins; give the bundle a real one.
const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [join(here, 'fixtures', entry)],
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

/** Median wall time of a fresh `node` importing the bundle (process start included, same for both). */
function coldImportMs(file: string): number {
  const env = {
    ...process.env,
    AWS_REGION: 'eu-west-1', IDEMPOTENCY_TABLE: 'bench', CONSUMER_NAME: 'bench', DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/dlq',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});console.log(performance.now()-t)`;
  const times: number[] = [];
  for (let i = 0; i < IMPORTS; i++) {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`import of ${file} failed: ${out.stderr}`);
    times.push(Number(out.stdout.trim()));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

export async function runBundleBench(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'courier-bundle-'));
  try {
    const courierFile = join(dir, 'courier.mjs');
    const powertoolsFile = join(dir, 'powertools.mjs');
    const courier = await bundle('courier-consumer.ts', courierFile);
    const powertools = await bundle('powertools-consumer.ts', powertoolsFile);
    const courierMs = coldImportMs(courierFile);
    const powertoolsMs = coldImportMs(powertoolsFile);
    return [
      '## Consumer bundle',
      '',
      'esbuild, minified, ESM, platform node, AWS SDK bundled (not external). Cold import = median over',
      `${IMPORTS} fresh \`node\` processes of the time to import the bundle (module evaluation, handler construction).`,
      '',
      '| bundle | size | cold import |',
      '|---|---:|---:|',
      `| courier consumer (bench/fixtures/courier-consumer.ts) | ${kb(courier)} (${courier} B) | ${courierMs.toFixed(1)} ms |`,
      `| Powertools batch + idempotency + parser (bench/fixtures/powertools-consumer.ts) | ${kb(powertools)} (${powertools} B) | ${powertoolsMs.toFixed(1)} ms |`,
      '',
      `- size ratio courier / Powertools: **${(courier / powertools).toFixed(2)}** (budget ≤ 0.5)`,
      `- cold-import ratio courier / Powertools: **${(courierMs / powertoolsMs).toFixed(2)}**`,
      '',
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runBundleBench().then((md) => console.log(md));
}
