/**
 * `npx tsx scripts/scan/cli.ts install|scan [CDK_OUT_DIR]`
 *
 * install  checkov (pinned, CHECKOV_VERSION) into .local/checkov-venv; no-op when already there
 * scan     checkov over the app's templates: those in CDK_OUT_DIR, or a fresh synth (scripts/scan/synth.ts)
 *          into a temporary directory. Prints the failures per check id, each marked skipped (reason in
 *          test/infra/checkov-skips.json) or UNEXPLAINED, and stale skips; exit code 1 when any failure
 *          is unexplained or any skip is stale. test/infra/checkov.test.ts asserts the same in `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { countByCheck, installCheckov, judge, loadSkips, runCheckov } from './checkov';
import { synthTemplates, templatesIn } from './synth';

function scan(templates: string[]): number {
  if (templates.length === 0) throw new Error('no *.template.json to scan');
  const result = runCheckov(templates);
  const skips = loadSkips();
  const { unexplained, stale } = judge(result.failures, skips);
  console.log(
    `checkov ${result.version}: ${templates.length} templates, ${result.resourceCount} resources, ` +
      `${result.passed} passed, ${result.failed} failed, ${result.parsingErrors} parsing errors`,
  );
  for (const c of countByCheck(result.failures)) {
    const mark = c.checkId in skips ? 'skipped' : 'UNEXPLAINED';
    console.log(`  ${String(c.count).padStart(4)}  ${c.checkId.padEnd(12)} ${mark.padEnd(11)} ${c.checkName}`);
  }
  for (const f of unexplained) console.log(`  unexplained: ${f.checkId} ${f.resource} (${f.file})`);
  for (const id of stale) console.log(`  stale skip: ${id} (no failure needs it any more)`);
  return unexplained.length === 0 && stale.length === 0 ? 0 : 1;
}

function scanFreshSynth(): number {
  const outdir = mkdtempSync(join(tmpdir(), 'courier-checkov-'));
  try {
    console.error(`synthesizing into ${outdir}`);
    return scan(synthTemplates(outdir));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function main(argv: string[]): number {
  const [cmd, dir] = argv;
  switch (cmd) {
    case 'install': {
      const r = installCheckov();
      console.log(`checkov ${r.version}${r.skipped ? ' (already installed)' : ' installed'}`);
      return 0;
    }
    case 'scan':
      return dir ? scan(templatesIn(resolve(dir))) : scanFreshSynth();
    default:
      console.error('usage: npx tsx scripts/scan/cli.ts install|scan [CDK_OUT_DIR]');
      return 2;
  }
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (err) {
  console.error(`[checkov] ${(err as Error).message}`);
  process.exit(1);
}
