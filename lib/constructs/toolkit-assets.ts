import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The toolkit's own Lambda handlers, prebuilt into the package by `npm run build` (scripts/build.ts). */
export const TOOLKIT_HANDLERS = ['relay', 'sweeper', 'retrier'] as const;
/** The name of one of the toolkit's prebuilt handlers: the outbox relay and sweeper, the failed-message retrier. */
export type ToolkitHandler = (typeof TOOLKIT_HANDLERS)[number];

/** Where the prebuilt handlers live inside the package, and their handler name. */
export const ASSETS_DIR = path.join('dist', 'assets');
export const ASSET_HANDLER = 'index.handler';

/**
 * The root of the courier package: the nearest folder above this module whose package.json is named
 * `courier` — the repository when run from source, `node_modules/courier` when installed.
 */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'courier') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('courier: cannot find the courier package root (a package.json named "courier" above lib/constructs)');
    dir = parent;
  }
}

/**
 * The prebuilt code of a toolkit handler, for a function you wire yourself (the Outbox and the
 * FailedMessageStore use it unless given other code); a missing build is a synth error that says how to
 * fix it.
 *
 * @example
 * const retrier = new CourierFunction(this, 'Retrier', { serviceName: 'shipping', code: toolkitAsset('retrier'), timeout: Duration.seconds(60) });
 */
export function toolkitAsset(name: ToolkitHandler): lambda.Code {
  const dir = path.join(packageRoot(), ASSETS_DIR, name);
  if (!existsSync(path.join(dir, 'index.mjs'))) {
    throw new Error(`courier: the prebuilt ${name} handler is missing (${dir}/index.mjs): run \`npm run build\` in the courier package`);
  }
  return lambda.Code.fromAsset(dir);
}
