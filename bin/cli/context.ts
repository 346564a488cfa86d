import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AmbiguousApp, discover, NotDeployed, type Deployment } from './discovery.js';
import type { CourierPlugin } from './plugins.js';
import { DEFAULT_STAGE, type Scope } from './scope.js';

/** Every AWS client the CLI uses; tests pass `aws-sdk-client-mock`ed instances. */
export interface Clients {
  cfn: CloudFormationClient;
  sqs: SQSClient;
  cloudwatch: CloudWatchClient;
  dynamodb: DynamoDBClient;
  events: EventBridgeClient;
  lambda: LambdaClient;
}

/** Where commands write: stdout for results, stderr for progress, warnings and errors. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress bars are drawn. */
  isTTY: boolean;
}

/**
 * What every command function runs with: the AWS clients, where output goes, the scope (app and stage)
 * and its discovered deployment, the app's plugins, and a clock. Make one with {@link createContext}.
 */
export interface Context {
  /** The AWS clients the command uses. */
  clients: Clients;
  /** Where the command writes text and progress. */
  out: Output;
  /** The app and stage whose stacks the commands operate on. */
  scope: Scope;
  /** The app's plugins (cdk.json context.courier.plugins). */
  plugins: readonly CourierPlugin[];
  /** The AWS endpoint the clients use when it is not AWS's (--endpoint-url, AWS_ENDPOINT_URL): the local engine. */
  endpoint?: string;
  /** The current time, epoch ms (tests fix it). */
  now(): number;
  /** Waits between polls (tests make it instant). */
  sleep(ms: number): Promise<void>;
  /** Discovered once per context (stack outputs), then cached. */
  deployment(): Promise<Deployment>;
}

/** Where the clients go: the --profile, --region and --endpoint-url flags (the SDK's environment variables otherwise). */
export interface ClientSettings {
  profile?: string;
  region?: string;
  endpoint?: string;
}

/**
 * Standard SDK v3 configuration: the flags when given, else AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL
 * and the default credential chain. Explicit connection/request timeouts, so an unreachable endpoint
 * fails in seconds (exit 3) instead of hanging; SQS ignores the host inside queue URLs (local engine
 * hands out `localhost` URLs while the client talks to 127.0.0.1).
 *
 * @example
 * const ctx = createContext({ clients: createClients({ profile: 'ops', region: 'eu-west-1' }) });
 */
export function createClients(settings: ClientSettings = {}): Clients {
  const common = {
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 30_000 }),
    ...(settings.profile && { profile: settings.profile }),
    ...(settings.region && { region: settings.region }),
    ...(settings.endpoint && { endpoint: settings.endpoint }),
  };
  return {
    cfn: new CloudFormationClient(common),
    sqs: new SQSClient({ ...common, useQueueUrlAsEndpoint: false }),
    cloudwatch: new CloudWatchClient(common),
    dynamodb: new DynamoDBClient(common),
    events: new EventBridgeClient(common),
    // invoking the sweeper/retrier waits for them: allow a Lambda timeout's worth
    lambda: new LambdaClient({ ...common, maxAttempts: 1, requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 900_000 }) }),
  };
}

export const processOutput: Output = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

/**
 * Collects everything written instead of printing it (tests, and scripts that want the rendered text).
 *
 * @example
 * const out = bufferOutput();
 * const code = await main(['dlq', 'list'], createContext({ out }));
 * if (code !== EXIT.ok) throw new Error(out.stderr);
 */
export function bufferOutput(isTTY = false): Output & { stdout: string; stderr: string } {
  const buffer = {
    stdout: '',
    stderr: '',
    isTTY,
    out(text: string) {
      buffer.stdout += text.endsWith('\n') ? text : `${text}\n`;
    },
    err(text: string) {
      buffer.stderr += text;
    },
  };
  return buffer;
}

/**
 * The context the command functions take. Anything not given comes from the environment: SDK clients
 * from AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL, stdout/stderr, the real clock, stage `dev`. The
 * deployment is discovered from the scope's stacks on first use and cached; pass one to skip that.
 *
 * @example
 * const ctx = createContext({ scope: { stage: 'prod', app: 'Shipping' } });
 * const rows = await dlqList(ctx);
 */
export function createContext(options: Partial<Omit<Context, 'deployment'>> & { deployment?: Deployment | (() => Promise<Deployment>) } = {}): Context {
  const clients = options.clients ?? createClients();
  const scope = options.scope ?? { stage: DEFAULT_STAGE };
  let cached: Promise<Deployment> | undefined;
  const given = options.deployment;
  return {
    clients,
    scope,
    plugins: options.plugins ?? [],
    ...((options.endpoint ?? process.env.AWS_ENDPOINT_URL) && { endpoint: options.endpoint ?? process.env.AWS_ENDPOINT_URL }),
    out: options.out ?? processOutput,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    deployment: () =>
      (cached ??= typeof given === 'function' ? given() : given ? Promise.resolve(given) : discover(clients.cfn, scope)),
  };
}

/**
 * An error the CLI reports as one line (plus an optional hint) with its own exit code; a plugin throws
 * one to fail a command with a message for the operator.
 *
 * @example
 * throw new CliError(`no shipment ${key}`, EXIT.failure, 'shipment ids start with shp_');
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Misuse: unknown command or flag, missing or malformed argument. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message, EXIT.usage);
  }
}

/**
 * The CLI's exit codes, which `main` returns: 0 ok, 1 failed or refused, 2 usage, 3 no credentials or
 * endpoint unreachable, 4 stacks not deployed, 5 unknown consumer or service.
 *
 * @example
 * if ((await main(['outbox', 'status'])) === EXIT.notDeployed) console.error('deploy the app first');
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, aws: 3, notDeployed: 4, unknownConsumer: 5 } as const;

const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
  'MissingAuthenticationToken',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * How an error ends the process: exit code, message and hint, as the CLI prints them. For scripts that
 * call the command functions themselves and want to fail the same way.
 *
 * @example
 * try {
 *   await dlqRedrive(ctx, 'shipping-dispatch');
 * } catch (error) {
 *   const { exitCode, message, hint } = classifyError(error);
 *   console.error(hint ? `${message}\nhint: ${hint}` : message);
 *   process.exitCode = exitCode;
 * }
 */
export function classifyError(error: unknown): { exitCode: number; message: string; hint?: string } {
  if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  if (error instanceof AmbiguousApp) return { exitCode: EXIT.usage, message: error.message };
  if (error instanceof NotDeployed) {
    return { exitCode: EXIT.notDeployed, message: error.message, hint: endpointHint() };
  }
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string }; $metadata?: unknown };
  const message = e?.message ?? String(error);
  if (CREDENTIAL_ERRORS.has(e?.name ?? '') || /could not load credentials|credential/i.test(message)) {
    return {
      exitCode: EXIT.aws,
      message: `no usable AWS credentials: ${message}`,
      hint: 'set AWS_PROFILE (and aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; for the local engine: eval "$(npx courier local env)"',
    };
  }
  const code = e?.code ?? e?.cause?.code;
  if ((code && NETWORK_CODES.has(code)) || e?.name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|getaddrinfo|socket hang up|connect ETIMEDOUT/.test(message)) {
    return {
      exitCode: EXIT.aws,
      message: `AWS endpoint unreachable${process.env.AWS_ENDPOINT_URL ? ` (${process.env.AWS_ENDPOINT_URL})` : ''}: ${message}`,
      hint: process.env.AWS_ENDPOINT_URL
        ? 'is the local engine running? npx courier local status'
        : 'check network access and AWS_REGION',
    };
  }
  if (e?.name === 'AccessDeniedException' || e?.name === 'AccessDenied') {
    return { exitCode: EXIT.aws, message: `access denied: ${message}`, hint: 'the credentials in use lack a permission this command needs' };
  }
  return { exitCode: EXIT.failure, message: `${e?.name && e.name !== 'Error' ? `${e.name}: ` : ''}${message}` };
}

function endpointHint(): string {
  const where = process.env.AWS_ENDPOINT_URL ? `endpoint ${process.env.AWS_ENDPOINT_URL}` : `region ${process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '(default)'}`;
  return `looked at ${where}; deploy with npx cdk deploy --all (AWS) or npm run local (local engine)`;
}
