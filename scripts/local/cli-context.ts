import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { bufferOutput, createContext, type Context } from 'courier/cli';
import { plugin as orders } from '../ops/orders-plugin';
import { DEFAULT_REGION } from '../../bin/cli/local/engine';
import type { LocalSystem } from './system';

/** The ops CLI's command context for in-process use against the local system (output kept in a buffer). */
export function cliContext(sys: LocalSystem): Context & { out: ReturnType<typeof bufferOutput> } {
  const cloudwatch = new CloudWatchClient({ endpoint: sys.endpoint, region: DEFAULT_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const out = bufferOutput();
  return Object.assign(createContext({ clients: { ...sys.clients, cloudwatch }, deployment: sys.deployment, scope: sys.scope, plugins: [orders], out }), { out });
}
