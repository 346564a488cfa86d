import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CliError, type Context, EXIT } from './context.js';
import type { TimelineEntry } from './trace.js';

/** What an app's domain adds to `courier trace`: its own records for a business key. */
export interface TracePlugin {
  /**
   * The app's record for `key` (an order id, a shipment id), or undefined when `key` is not one of
   * yours. Its timeline entries and problems join the trace; `search` names the strings that find the
   * record's events (outbox rows, failed messages, DLQ bodies that mention them).
   */
  lookup(ctx: Context, key: string): Promise<TraceSubject | undefined>;
  /** The business key an event is about (e.g. its `order_id`), so tracing an event id traces its whole story. */
  keyOf?(event: { detailType: string; detail: Record<string, unknown> }): string | undefined;
}

/** A business record as a trace plugin describes it. */
export interface TraceSubject {
  /** e.g. `order ord_1`. */
  label: string;
  /** The record as stored (shown with --json). */
  record?: Record<string, unknown>;
  /** Its own entries for the timeline (creation, current state…). */
  timeline: TimelineEntry[];
  /** Problems the record itself shows, most important first (e.g. "order stuck PENDING for 2 h"). */
  problems?: string[];
  /** One line for an all-clear diagnosis (e.g. `order CONFIRMED`). */
  state?: string;
  /** Notes for the operator (what this record cannot show). */
  notes?: string[];
}

/**
 * A plugin an app registers in its cdk.json (`context.courier.plugins`): a module whose default export
 * (or `plugin` export) is one of these.
 *
 * @example
 * // ops/plugin.mjs
 * export default {
 *   name: 'shipping',
 *   trace: {
 *     lookup: async (ctx, key) => (key.startsWith('shp_') ? { label: `shipment ${key}`, timeline: [] } : undefined),
 *     keyOf: (event) => (typeof event.detail.shipment_id === 'string' ? event.detail.shipment_id : undefined),
 *   },
 * };
 */
export interface CourierPlugin {
  name: string;
  trace?: TracePlugin;
}

export class PluginError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage, 'plugins are listed in cdk.json under context.courier.plugins; each module must export a plugin ({ name, trace? }) as default or `plugin`');
  }
}

/**
 * Imports the plugins the app registered. A `.ts` plugin needs tsx in the app (it is registered on
 * demand); a missing file or a module that exports no plugin is an error naming it.
 *
 * @example
 * const config = loadAppConfig();
 * const ctx = createContext({ plugins: await loadPlugins(config.plugins) });
 * const t = await trace(ctx, 'shp_42'); // the plugin's shipment record joins the trace
 */
export async function loadPlugins(paths: readonly string[]): Promise<CourierPlugin[]> {
  const plugins: CourierPlugin[] = [];
  for (const path of paths) {
    if (path.startsWith('/') && !existsSync(path)) throw new PluginError(`unknown plugin ${path}: no such file`);
    if (/\.[cm]?ts$/.test(path)) await registerTypeScript(path);
    let module: { default?: unknown; plugin?: unknown };
    try {
      module = await import(path.startsWith('/') ? pathToFileURL(path).href : path);
    } catch (error) {
      throw new PluginError(`unknown plugin ${path}: ${(error as Error).message.split('\n')[0]}`);
    }
    const plugin = (module.plugin ?? module.default) as Partial<CourierPlugin> | undefined;
    if (!plugin || typeof plugin.name !== 'string' || (plugin.trace !== undefined && typeof plugin.trace.lookup !== 'function')) {
      throw new PluginError(`plugin ${path} exports no courier plugin ({ name, trace: { lookup } })`);
    }
    plugins.push(plugin as CourierPlugin);
  }
  return plugins;
}

async function registerTypeScript(path: string): Promise<void> {
  try {
    const tsx = (await import('tsx/esm/api')) as { register(): void };
    tsx.register();
  } catch {
    throw new PluginError(`plugin ${path} is TypeScript: install tsx in the app (npm i -D tsx), or compile the plugin to .mjs`);
  }
}
