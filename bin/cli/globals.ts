import { UsageError } from './context.js';

/** Options every command takes: where the app's stacks are and how to reach them. */
export interface GlobalOptions {
  stage?: string;
  app?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

const GLOBAL_FLAGS: Record<string, keyof GlobalOptions> = {
  '--stage': 'stage',
  '--app': 'app',
  '--profile': 'profile',
  '--region': 'region',
  '--endpoint-url': 'endpointUrl',
};

export const GLOBAL_HELP = [
  'global options (any command):',
  '  --stage S          the stage whose stacks to operate on (COURIER_STAGE, cdk.json context.stage; default dev)',
  '  --app A            the app: its stack prefix after the stage (COURIER_APP, cdk.json context.courier.app)',
  '  --profile P        AWS profile (AWS_PROFILE)',
  '  --region R         AWS region (AWS_REGION)',
  '  --endpoint-url U   AWS endpoint, e.g. the local engine (AWS_ENDPOINT_URL)',
].join('\n');

/** Takes the global options out of a command line, wherever they stand (`--stage x` or `--stage=x`). */
export function extractGlobals(argv: readonly string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const key = GLOBAL_FLAGS[flag];
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    globals[key] = value;
  }
  return { globals, rest };
}
