import { paginateListFunctions } from '@aws-sdk/client-lambda';
import { stackPrefix } from 'courier/cli';
import { mapLimit } from '../../functions/runtime/support/map-limit';
import { setFunctionEnv } from '../local/function-config';
import type { LocalSystem } from '../local/system';
import { COUNT_ENV } from './count-middleware';

/**
 * The deployed functions of the system, by the role they play in an order's cost: `api` and `consumer`
 * and `relay` run per order; `sweeper` and `retrier` run on a schedule whatever the traffic (a monthly
 * cost, not a per-order one).
 */
export type FunctionRole = 'api' | 'consumer' | 'relay' | 'sweeper' | 'retrier';

export interface DeployedFunction {
  name: string;
  role: FunctionRole;
  /** The consumer's name, `<service>-outbox`, `<service>-failed-messages`, or `<stack>-api`. */
  owner: string;
  logGroup: string;
  memoryMb: number;
}

export async function deployedFunctions(sys: LocalSystem): Promise<DeployedFunction[]> {
  const prefix = stackPrefix(sys.scope);
  const d = sys.deployment;
  const known = new Map<string, Pick<DeployedFunction, 'role' | 'owner'>>([
    ...d.consumers.map((c) => [c.functionName, { role: 'consumer', owner: c.name }] as const),
    ...d.outboxes.flatMap((o) => [
      [o.relayFunctionName, { role: 'relay', owner: `${o.service}-outbox` }] as const,
      [o.sweeperFunctionName, { role: 'sweeper', owner: `${o.service}-outbox` }] as const,
    ]),
    ...d.failedMessages.map((f) => [f.retrierFunctionName, { role: 'retrier', owner: `${f.service}-failed-messages` }] as const),
  ]);
  const found: DeployedFunction[] = [];
  for await (const page of paginateListFunctions({ client: sys.clients.lambda }, {})) {
    for (const f of page.Functions ?? []) {
      const name = f.FunctionName ?? '';
      if (!name.startsWith(prefix)) continue;
      const role = known.get(name) ?? (/ApiFunction/.test(name) ? { role: 'api' as const, owner: `${name.slice(prefix.length).split('-')[0]!.toLowerCase()}-api` } : undefined);
      if (!role) throw new Error(`${name}: a function the cost run cannot place (not a consumer, relay, sweeper, retrier or API function)`);
      found.push({ name, ...role, logGroup: f.LoggingConfig?.LogGroup ?? `/aws/lambda/${name}`, memoryMb: f.MemorySize ?? 128 });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** Turns request counting on (into `dir`) or off (undefined) in every function (COURIER_COUNT_REQUESTS, read back). */
export async function setCounting(sys: LocalSystem, functions: readonly DeployedFunction[], dir: string | undefined): Promise<void> {
  await mapLimit(functions, 4, (f) => setFunctionEnv(sys.clients.lambda, f.name, { [COUNT_ENV]: dir }));
}
