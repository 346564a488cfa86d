/**
 * Synthesizes the courier CDK app for scanners: the CDK CLI (so cdk.json's context and feature flags
 * apply, as on `cdk deploy`) into a given directory, for the AWS target (`AWS_ENDPOINT_URL` and the
 * other local-engine switches are dropped from the child's environment).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Variables that would switch the app to the local engine or change what it synthesizes. */
const TARGET_SWITCHES = ['AWS_ENDPOINT_URL', 'COURIER_ARCHIVE'];

/**
 * Runs `cdk synth --quiet -o <outdir>` in the repository and returns the paths of the templates
 * (`*.template.json`). Throws with the CLI's output when synthesis fails (cdk-nag findings included).
 *
 * @example
 * const templates = synthTemplates(mkdtempSync(join(tmpdir(), 'courier-synth-')));
 */
export function synthTemplates(outdir: string, root = REPO): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (TARGET_SWITCHES.includes(k) || k.startsWith('AWS_ENDPOINT_URL_')) delete env[k];
  const r = spawnSync(join(root, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--no-notices', '-o', outdir], {
    cwd: root,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`cdk synth failed (${r.status ?? r.signal}):\n${(r.stderr || r.stdout).slice(-4000)}`);
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
