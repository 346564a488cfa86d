/**
 * Synthesizes the courier CDK app for scanners, as `cdk synth` would for the AWS target: the app command
 * and the context (feature flags) from cdk.json, into a given directory; `AWS_ENDPOINT_URL` and the
 * other local-engine switches are dropped from the app's environment. Lambda bundling is skipped
 * (`aws:cdk:bundling-stacks: []`): template scanners read the templates, not the function code, and
 * bundling every function is most of the CPU time of a synth on a 2-core machine.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Variables that would switch the app to the local engine or change what it synthesizes. */
const TARGET_SWITCHES = ['AWS_ENDPOINT_URL', 'COURIER_ARCHIVE'];

/**
 * Runs the app (cdk.json `app`) with `CDK_OUTDIR=<outdir>` and cdk.json's context, and returns the paths
 * of the templates (`*.template.json`). Throws with the app's output when synthesis fails (cdk-nag
 * findings included: the app runs them on every synth).
 *
 * @example
 * const templates = synthTemplates(mkdtempSync(join(tmpdir(), 'courier-synth-')));
 */
export function synthTemplates(outdir: string, root = REPO): string[] {
  const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { app: string; context?: Record<string, unknown> };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (TARGET_SWITCHES.includes(k) || k.startsWith('AWS_ENDPOINT_URL_')) delete env[k];
  env.CDK_OUTDIR = outdir;
  env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJson.context, [BUNDLING_STACKS]: [] });
  const r = spawnSync(cdkJson.app, { shell: true, cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`synth (${cdkJson.app}) failed (${r.status ?? r.signal}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  return templatesIn(outdir);
}

/**
 * The CloudFormation templates in a cloud assembly directory.
 *
 * @example
 * templatesIn('cdk.out'); // ['cdk.out/CourierInventory.template.json', …]
 */
export function templatesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => join(dir, f));
}
