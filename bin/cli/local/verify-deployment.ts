import { isDeepStrictEqual } from 'node:util';
import type { DeployedResource } from './deployed-resources.js';
import { SETTINGS, type Clients } from './deployment-settings.js';

export interface SettingResult {
  setting: string;
  resource: string;
  wanted: unknown;
  actual: unknown;
  ok: boolean;
  repaired: boolean;
}

/**
 * Reads back every setting the templates ask for. With `repair`, a setting the engine dropped is applied
 * through the service API (local engine only) and read back again; anything still wrong is reported.
 */
export async function verifyDeployment(
  resources: DeployedResource[],
  clients: Clients,
  options: { repair: boolean; log?: (line: string) => void },
): Promise<SettingResult[]> {
  const results: SettingResult[] = [];
  for (const resource of resources) {
    for (const setting of SETTINGS.filter((s) => s.type === resource.type)) {
      const wanted = setting.wanted(resource, resources);
      if (wanted === undefined) continue;
      let actual = await setting.actual(resource, clients, resources);
      let repaired = false;
      if (!isDeepStrictEqual(actual, wanted) && options.repair && setting.repair) {
        options.log?.(`local repair: ${setting.name} on ${resource.stack}/${resource.logicalId} was ${JSON.stringify(actual)}, applying ${JSON.stringify(wanted)} through the API`);
        await setting.repair(resource, clients, wanted);
        actual = await setting.actual(resource, clients, resources);
        repaired = true;
      }
      results.push({ setting: setting.name, resource: `${resource.stack}/${resource.logicalId}`, wanted, actual, ok: isDeepStrictEqual(actual, wanted), repaired });
    }
  }
  return results;
}
