import { catalog } from '../../functions/events/catalog';
import { buildAsyncApi } from './asyncapi';

export const CONTRACTS_DIR = 'contracts';

/** Every generated contract file, path (relative to the repo) → content, in a stable order. */
export function renderContracts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const event of catalog) {
    files.set(`${CONTRACTS_DIR}/${event.detailType}.schema.json`, toJson(event.jsonSchema()));
  }
  files.set(`${CONTRACTS_DIR}/asyncapi.json`, toJson(buildAsyncApi()));
  return files;
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
