/**
 * checkov, the second scanner of the synthesized templates (cdk-nag is the first, on every synth):
 * pinned from PyPI into its own virtualenv `.local/checkov-venv` (apart from the engine's `.local/venv`,
 * so their dependency pins never meet), run over CloudFormation templates, judged against the committed
 * skip list (test/infra/checkov-skips.json: check id → reason).
 *
 * Only node: built-ins (and the sibling pinned-package module), like bin/cli/local/engine.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedVersion, installPinned } from '../../bin/cli/local/pinned-package';

/** Pinned checkov release: the newest on PyPI that installs on Python 3.11 when it was chosen. */
export const CHECKOV_VERSION = '3.3.30';

/** The command that installs the pinned checkov (printed when it is missing). */
export const INSTALL_COMMAND = 'npx tsx scripts/scan/cli.ts install';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');

/** The committed skip list: checkov check id → why courier does not follow it. */
export const SKIPS_FILE = join(REPO, 'test', 'infra', 'checkov-skips.json');

/**
 * Where checkov lives under a project root (default: the repo this file is in).
 *
 * @example
 * checkovPaths().checkov; // <repo>/.local/checkov-venv/bin/checkov
 */
export function checkovPaths(root = REPO) {
  const venv = join(root, '.local', 'checkov-venv');
  return { venv, checkov: join(venv, 'bin', 'checkov') };
}

/**
 * Reads the skip list; every entry must be a check id with a written reason.
 *
 * @example
 * const skips = loadSkips(); // { CKV_AWS_117: 'Lambda inside a VPC: …', … }
 */
export function loadSkips(file = SKIPS_FILE): Record<string, string> {
  const skips = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  for (const [id, reason] of Object.entries(skips)) {
    if (!/^CKV2?_AWS_\d+$/.test(id)) throw new Error(`${file}: "${id}" is not a checkov AWS check id`);
    if (typeof reason !== 'string' || reason.trim().length < 40) {
      throw new Error(`${file}: ${id} needs a written reason (at least 40 characters)`);
    }
  }
  return skips as Record<string, string>;
}

/**
 * The checkov version installed in `.local/checkov-venv`, or undefined.
 *
 * @example
 * if (installedCheckovVersion() !== CHECKOV_VERSION) installCheckov();
 */
export function installedCheckovVersion(root?: string): string | undefined {
  return installedVersion(checkovPaths(root).venv, 'checkov');
}

/**
 * Installs checkov {@link CHECKOV_VERSION} into `.local/checkov-venv`; a no-op when already there.
 *
 * @example
 * installCheckov(); // what `npx tsx scripts/scan/cli.ts install` and .ci/run do
 */
export function installCheckov(opts: { root?: string; log?: (line: string) => void } = {}): {
  version: string;
  skipped: boolean;
} {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[checkov] ${line}\n`));
  return installPinned({ name: 'checkov', version: CHECKOV_VERSION, venv: checkovPaths(opts.root).venv }, log);
}

/** One check's result on one resource. */
export interface CheckovFinding {
  readonly checkId: string;
  readonly checkName: string;
  /** `AWS::SQS::Queue.ConsumerQueue1234`. */
  readonly resource: string;
  /** The template it is in. */
  readonly file: string;
}

/** What checkov found: counts, every failure and every pass. */
export interface CheckovResult {
  readonly version: string;
  readonly passed: number;
  readonly failed: number;
  readonly parsingErrors: number;
  readonly resourceCount: number;
  readonly failures: CheckovFinding[];
  readonly passes: CheckovFinding[];
}

/**
 * Runs checkov (`--framework cloudformation`, JSON output, no skips: the caller judges failures with
 * {@link judge}) over the given template files. Throws with the install command when checkov is
 * missing, and when checkov itself fails (exit code ≥ 2 or unparsable output).
 *
 * @example
 * const result = runCheckov(['cdk.out/CourierMessaging.template.json']);
 * const { unexplained, stale } = judge(result.failures, skips);
 */
export function runCheckov(templates: string[], opts: { root?: string } = {}): CheckovResult {
  const { checkov } = checkovPaths(opts.root);
  if (!existsSync(checkov) || installedCheckovVersion(opts.root) !== CHECKOV_VERSION) {
    throw new Error(`checkov ${CHECKOV_VERSION} is not installed in ${dirname(dirname(checkov))}; run: ${INSTALL_COMMAND}`);
  }
  if (templates.length === 0) throw new Error('runCheckov: no templates given');
  // --skip-download: offline (no guideline/severity download from the Prisma Cloud platform).
  const args = ['--framework', 'cloudformation', '--output', 'json', '--compact', '--soft-fail', '--skip-download'];
  for (const t of templates) args.push('--file', t);
  const r = spawnSync(checkov, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No "newer version available" lookup on PyPI: the version is pinned.
    env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true' },
  });
  if (r.status !== 0) throw new Error(`checkov exited with ${r.status ?? r.signal}: ${r.stderr.slice(-2000)}`);
  return parseReport(r.stdout);
}

interface RawCheck {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
}
interface RawReport {
  check_type: string;
  results: { failed_checks: RawCheck[]; passed_checks: RawCheck[] };
  summary: { passed: number; failed: number; parsing_errors: number; resource_count: number; checkov_version: string };
}

/**
 * checkov's JSON report (one framework → one object) as a {@link CheckovResult}.
 *
 * @example
 * parseReport(spawnSync(checkov, ['--output', 'json', …], { encoding: 'utf8' }).stdout).failed;
 */
export function parseReport(stdout: string): CheckovResult {
  let report: RawReport;
  try {
    report = JSON.parse(stdout) as RawReport;
  } catch {
    throw new Error(`checkov printed no JSON report: ${stdout.slice(0, 500)}`);
  }
  if (Array.isArray(report) || report.check_type !== 'cloudformation') {
    throw new Error(`unexpected checkov report (expected one cloudformation report): ${stdout.slice(0, 500)}`);
  }
  const s = report.summary;
  return {
    version: s.checkov_version,
    passed: s.passed,
    failed: s.failed,
    parsingErrors: s.parsing_errors,
    resourceCount: s.resource_count,
    failures: report.results.failed_checks.map(finding),
    passes: report.results.passed_checks.map(finding),
  };
}

function finding(c: RawCheck): CheckovFinding {
  return { checkId: c.check_id, checkName: c.check_name, resource: c.resource, file: c.file_path };
}

/**
 * Failures whose check id has no reason in `skips` (unexplained), and skips no failure needs (stale).
 *
 * @example
 * judge(result.failures, { CKV_AWS_117: 'functions call only AWS APIs…' });
 * // → { unexplained: [], stale: [] } when the list and the templates agree
 */
export function judge(
  failures: readonly CheckovFinding[],
  skips: Readonly<Record<string, string>>,
): { unexplained: CheckovFinding[]; stale: string[] } {
  const failing = new Set(failures.map((f) => f.checkId));
  return {
    unexplained: failures.filter((f) => !(f.checkId in skips)),
    stale: Object.keys(skips).filter((id) => !failing.has(id)).sort(),
  };
}

/**
 * Failure count per check id, most frequent first (for the report and the closing notes).
 *
 * @example
 * countByCheck(result.failures)[0]; // { checkId: 'CKV_AWS_27', checkName: '…', count: 25 }
 */
export function countByCheck(failures: readonly CheckovFinding[]): { checkId: string; checkName: string; count: number }[] {
  const counts = new Map<string, { checkId: string; checkName: string; count: number }>();
  for (const f of failures) {
    const c = counts.get(f.checkId) ?? { checkId: f.checkId, checkName: f.checkName, count: 0 };
    c.count++;
    counts.set(f.checkId, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.checkId.localeCompare(b.checkId));
}
