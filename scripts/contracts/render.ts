import { renderContracts as render } from 'courier/contracts';
import { catalog } from '../../functions/events/catalog';
import { services } from '../../functions/events/services';

export const CONTRACTS_DIR = 'contracts';

/** Every generated contract file of the reference catalog, path (relative to the repo) → content. */
export function renderContracts(): Map<string, string> {
  return new Map([...render({ catalog, services })].map(([name, content]) => [`${CONTRACTS_DIR}/${name}`, content]));
}
