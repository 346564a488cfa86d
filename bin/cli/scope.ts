import { UsageError } from './context.js';
import { NAME_PART, STAGE_PATTERN, type AppConfig } from './app-config.js';

/**
 * Which stacks the CLI operates on: the app's stacks of one stage, named `<stage>-<app><Component>`
 * (`dev-CourierOrders`). Stacks of other stages are never read, so an operator cannot redrive the
 * wrong environment's queue.
 */
export interface Scope {
  stage: string;
  /** The app's stack prefix; undefined: the one app deployed in the stage. */
  app?: string;
}

export const DEFAULT_STAGE = 'dev';

/**
 * Stack names of the scope start with this: `<stage>-<app>`. The app names its stacks with it, so the
 * CLI finds them.
 *
 * @example
 * const scope = resolveScope({ stage: 'prod' }, loadAppConfig()); // cdk.json: context.courier.app = 'Shipping'
 * new ServiceStack(app, `${stackPrefix(scope)}Service`, { serviceName: 'shipping', messaging }); // prod-ShippingService
 */
export const stackPrefix = (scope: Scope): string => `${scope.stage}-${scope.app ?? ''}`;

/**
 * The scope from flags, then the environment (COURIER_STAGE, COURIER_APP), then the app's cdk.json; a
 * stage or app name that cannot be part of a stack name is a usage error. The CDK app and the CLI both
 * call it, so they agree on the stacks' names.
 *
 * @example
 * const scope = resolveScope({ stage: app.node.tryGetContext('stage') }, loadAppConfig());
 */
export function resolveScope(flags: { stage?: string; app?: string }, config: AppConfig, env: NodeJS.ProcessEnv = process.env): Scope {
  const stage = flags.stage ?? env.COURIER_STAGE ?? config.stage ?? DEFAULT_STAGE;
  const app = flags.app ?? env.COURIER_APP ?? config.app;
  if (!STAGE_PATTERN.test(stage)) throw new UsageError(`--stage must match ${STAGE_PATTERN} (lower-case letters and digits), got '${stage}'`);
  if (app !== undefined && !NAME_PART.test(app)) throw new UsageError(`--app must match ${NAME_PART}, got '${app}'`);
  return { stage, ...(app !== undefined && { app }) };
}
