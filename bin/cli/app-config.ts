import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './context.js';

/**
 * What an app tells courier about itself, in its cdk.json under `context.courier` — the one file a CDK
 * app already has, read by both the app (stack names) and the CLI (discovery, plugins):
 *
 * ```json
 * { "app": "npx tsx bin/app.ts", "context": { "courier": { "app": "Shipping", "plugins": ["./ops/plugin.mjs"] } } }
 * ```
 */
export interface AppConfig {
  /** Stack-name prefix of the app's stacks after the stage (`<stage>-<app><Component>`). */
  app?: string;
  /** Default stage when neither --stage nor COURIER_STAGE is given. */
  stage?: string;
  /** Plugin modules, relative to the app's directory. */
  plugins: string[];
  /** Where the config came from (for messages). */
  source?: string;
}

/** Stage and app names: what a stack name may carry. */
export const NAME_PART = /^[A-Za-z][A-Za-z0-9]{0,31}$/;
export const STAGE_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

/**
 * Reads `context.courier` (and `context.stage`) from `<dir>/cdk.json`; no file → empty config. A script
 * that runs beside the app reads it to address the same stacks and load the same plugins as the CLI.
 *
 * @example
 * const config = loadAppConfig();
 * const ctx = createContext({ scope: resolveScope({}, config), plugins: await loadPlugins(config.plugins) });
 */
export function loadAppConfig(dir = process.cwd()): AppConfig {
  const file = join(dir, 'cdk.json');
  if (!existsSync(file)) return { plugins: [] };
  let json: { context?: { courier?: unknown; stage?: unknown } };
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const courier = (json.context?.courier ?? {}) as { app?: unknown; plugins?: unknown };
  const fail = (why: string): never => {
    throw new UsageError(`${file}: context.courier.${why}`);
  };
  if (courier.app !== undefined && (typeof courier.app !== 'string' || !NAME_PART.test(courier.app))) fail(`app must match ${NAME_PART}, got ${JSON.stringify(courier.app)}`);
  if (courier.plugins !== undefined && (!Array.isArray(courier.plugins) || courier.plugins.some((p) => typeof p !== 'string'))) fail('plugins must be a list of module paths');
  const stage = json.context?.stage;
  return {
    app: courier.app as string | undefined,
    stage: typeof stage === 'string' ? stage : undefined,
    plugins: ((courier.plugins as string[] | undefined) ?? []).map((p) => (p.startsWith('.') ? join(dir, p) : p)),
    source: file,
  };
}
