/**
 * `npm run build`: typechecks the whole repository (skipped with `--no-typecheck`), then builds the `courier` package into dist/:
 * the toolkit compiled to JavaScript + .d.ts (tsconfig.build.json: contracts, runtime, testing,
 * constructs, CLI, the console's static page) and the toolkit's own Lambda handlers prebuilt with esbuild (dist/assets/<name>/
 * index.mjs), which the Outbox and FailedMessageStore constructs deploy as they are.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { ESBUILD_SETTINGS } from '../lib/constructs/bundling';
import { ASSETS_DIR, TOOLKIT_HANDLERS } from '../lib/constructs/toolkit-assets';

function tsc(project: string): void {
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const started = Date.now();
// `--no-typecheck` (npm run build:package, before synth/deploy/local): emit only; `npm test` typechecks.
if (!process.argv.includes('--no-typecheck')) tsc('tsconfig.json');
rmSync('dist', { recursive: true, force: true });
tsc('tsconfig.build.json');
chmodSync('dist/bin/courier.js', 0o755);
// The console's page is served from next to its module, as it is in the source tree.
cpSync('bin/cli/console/page', 'dist/bin/cli/console/page', { recursive: true });
await Promise.all(
  TOOLKIT_HANDLERS.map((name) =>
    build({
      ...ESBUILD_SETTINGS,
      mainFields: [...ESBUILD_SETTINGS.mainFields],
      banner: { js: ESBUILD_SETTINGS.banner },
      entryPoints: [`functions/handlers/${name}.ts`],
      outfile: `${ASSETS_DIR}/${name}/index.mjs`,
      bundle: true,
      platform: 'node',
      logLevel: 'warning',
    }),
  ),
);
process.stdout.write(`built dist/ (package + ${TOOLKIT_HANDLERS.length} prebuilt handlers) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
