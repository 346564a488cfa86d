import { buildAsyncApi, type AsyncApiOptions } from './asyncapi.js';
import { jsonSchemaOf } from './json-schema.js';

/**
 * Every contract file of a catalog, file name → content, in a stable order: one JSON Schema per event
 * version (`<detail-type>.schema.json`) and `asyncapi.json`. Write them into a folder you commit, and
 * check later versions of the catalog against them with `checkCompatibility`.
 *
 * @example
 * for (const [name, content] of renderContracts({ catalog, services })) writeFileSync(`contracts/${name}`, content);
 */
export function renderContracts(options: AsyncApiOptions): Map<string, string> {
  const files = new Map<string, string>();
  for (const event of options.catalog) files.set(`${event.detailType}.schema.json`, toJson(jsonSchemaOf(event)));
  files.set('asyncapi.json', toJson(buildAsyncApi(options)));
  return files;
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
