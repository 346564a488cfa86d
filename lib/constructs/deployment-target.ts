import { RemovalPolicy, type Environment } from 'aws-cdk-lib';

/**
 * Where the app deploys and which features that target can take. Resolved once from the process
 * environment in bin/app.ts; stacks only see explicit props (never `process.env`), so tests pick any
 * combination.
 */
export interface DeploymentTarget {
  /** `aws` or `local` (the embedded engine, selected by `AWS_ENDPOINT_URL`). */
  readonly kind: 'aws' | 'local';
  /** The local engine's endpoint when `kind` is `local`. */
  readonly endpoint?: string;
  /** Account/region from the CLI's environment; undefined → environment-agnostic stacks. */
  readonly env: Environment;
  /** Create the EventBridge archive (MiniStack cannot deploy `AWS::Events::Archive` via CloudFormation). */
  readonly archive: boolean;
  /** Removal policy for tables: RETAIN on AWS, DESTROY on the disposable local engine. */
  readonly tableRemovalPolicy: RemovalPolicy;
  /** Human-readable notes on every switch taken, for the synth log. */
  readonly notes: string[];
}

/**
 * `AWS_ENDPOINT_URL` set → local engine: account/region from `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION`
 * (or `AWS_ACCOUNT_ID`/`AWS_REGION`/`AWS_DEFAULT_REGION`), archive off (re-created after deploy through
 * the API by the local scripts), tables destroyed with the stack. `COURIER_ARCHIVE=on|off` overrides the
 * archive switch on either target.
 *
 * @example
 * const target = resolveDeploymentTarget();
 * const messaging = new MessagingStack(app, 'ShippingMessaging', { env: target.env, archive: target.archive });
 * new ServiceStack(app, 'Shipping', { env: target.env, serviceName: 'shipping', messaging, tableRemovalPolicy: target.tableRemovalPolicy });
 */
export function resolveDeploymentTarget(env: NodeJS.ProcessEnv = process.env): DeploymentTarget {
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  const local = endpoint !== undefined;
  const account = env.CDK_DEFAULT_ACCOUNT ?? (local ? env.AWS_ACCOUNT_ID : undefined);
  const region = env.CDK_DEFAULT_REGION ?? (local ? (env.AWS_REGION ?? env.AWS_DEFAULT_REGION) : undefined);
  const notes: string[] = [];
  let archive = !local;
  if (local) notes.push(`target: local engine at ${endpoint} (account ${account ?? 'from CLI'}, region ${region ?? 'from CLI'})`);
  if (local) notes.push('archive: off (AWS::Events::Archive is not deployable on the local engine; create it via the API)');
  if (local) notes.push('tables: RemovalPolicy.DESTROY (local engine state is disposable)');
  const override = env.COURIER_ARCHIVE?.toLowerCase();
  if (override === 'on' || override === 'off') {
    archive = override === 'on';
    notes.push(`archive: ${override} (COURIER_ARCHIVE)`);
  }
  return {
    kind: local ? 'local' : 'aws',
    endpoint,
    env: { account, region },
    archive,
    tableRemovalPolicy: local ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    notes,
  };
}
