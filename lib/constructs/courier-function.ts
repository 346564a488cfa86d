import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/contracts/conventions.js';
import { mergeBundling } from './bundling.js';
import { metricsNamespaceOf, tracingOf } from './observability.js';

/**
 * The Lambda runtime every courier function uses: the newest Node.js runtime aws-cdk-lib knows.
 * One place to bump it.
 */
export const COURIER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The one architecture every courier function uses. */
export const COURIER_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * Where a function's code comes from: the app's own source file, bundled with esbuild, or prebuilt
 * code. Give `entry` or `code`, not both.
 */
export interface FunctionCode {
  /**
   * Handler source file, absolute or relative to the working directory (the app's root when the CDK
   * CLI runs the app).
   * @default - none (give `code`)
   */
  readonly entry?: string;
  /**
   * Prebuilt code, e.g. `lambda.Code.fromAsset(dir)`.
   * @default - none (give `entry`)
   */
  readonly code?: lambda.Code;
  /**
   * Exported handler: a name in `entry`, or `file.name` in `code`.
   * @default 'handler' with `entry`; 'index.handler' with `code`
   */
  readonly handler?: string;
  /**
   * The lock file of the app's dependencies, which esbuild bundles.
   * @default - the nearest package-lock.json / yarn.lock / pnpm-lock.yaml / bun.lockb above the working directory
   */
  readonly depsLockFilePath?: string;
  /**
   * The app's root: esbuild resolves modules and the tsconfig from here.
   * @default - the directory of `depsLockFilePath`
   */
  readonly projectRoot?: string;
  /**
   * esbuild settings merged over courier's (ESM, node20 syntax, minified, source maps, SDK bundled);
   * `inject` lists add up.
   * @default - courier's settings
   */
  readonly bundling?: nodejs.BundlingOptions;
}

/** Props of a {@link CourierFunction}: its code, its service, and the Lambda settings courier lets you change. */
export interface CourierFunctionProps extends FunctionCode {
  /** Owning service; set as `SERVICE_NAME` (metrics dimension `service`). */
  readonly serviceName: string;
  /**
   * What the function is for (Lambda description).
   * @default - none
   */
  readonly description?: string;
  /**
   * Function timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables (merged over the defaults).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Retention of the function's own log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Removal policy of the function's log group.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * X-Ray tracing of the function. Active: Lambda records every invocation (sampled), sets
   * `_X_AMZN_TRACE_ID` for the runtime and links SQS-triggered invocations to the traces of their
   * messages; courier carries the trace on through its events.
   * @default - context `courier:tracing`, else lambda.Tracing.ACTIVE
   */
  readonly tracing?: lambda.Tracing;
  /**
   * Escape hatch: any other NodejsFunction prop, applied last (courier's role and log group stay).
   * @default - none
   */
  readonly functionProps?: Partial<nodejs.NodejsFunctionProps>;
}

/**
 * A NodejsFunction with courier's defaults: current Node.js runtime, arm64, ESM bundle from the local
 * esbuild (or prebuilt code), active X-Ray tracing, Powertools' service name and metrics namespace in
 * its environment, its own log group with a retention, and its own role with no managed policy (only
 * log-stream writes on its own log group and X-Ray segment uploads; callers add least-privilege grants).
 *
 * @example
 * const api = new CourierFunction(this, 'Api', { entry: 'src/api.ts', serviceName: 'shipping', timeout: Duration.seconds(10) });
 */
export class CourierFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: CourierFunctionProps) {
    const code = codeProps(props, `${scope.node.path}/${id}`);
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `courier ${props.serviceName}: role of ${id}`,
    });
    const metricsNamespace = metricsNamespaceOf(scope);
    const tracing = props.functionProps?.tracing ?? tracingOf(scope, props.tracing);
    const environment = {
      [ENV.serviceName]: props.serviceName,
      [ENV.powertoolsServiceName]: props.serviceName,
      [ENV.metricsNamespace]: metricsNamespace,
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
      ...props.functionProps?.environment,
    };
    if (environment[ENV.metricsNamespace] !== metricsNamespace) {
      throw new Error(`${scope.node.path}/${id}: ${ENV.metricsNamespace} is set in the environment; set the context courier:metricsNamespace instead, so the dashboards and alarms read the same namespace`);
    }
    super(scope, id, {
      ...code,
      runtime: COURIER_RUNTIME,
      architecture: COURIER_ARCHITECTURE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      description: props.description,
      ...props.functionProps,
      tracing,
      role,
      logGroup,
      environment,
    });
    logGroup.grantWrite(role);
    // CDK grants the X-Ray upload for PassThrough as well as Active
    if (tracing !== lambda.Tracing.DISABLED) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords (added by Lambda tracing) do not support resource-level permissions; they only upload this function\'s trace segments.',
      });
    }
  }
}

/** The code part of the NodejsFunction props; exactly one of `entry` and `code`. */
function codeProps(props: FunctionCode, where: string): nodejs.NodejsFunctionProps {
  if ((props.entry === undefined) === (props.code === undefined)) {
    throw new Error(`${where}: give the function's code as \`entry\` (a source file to bundle) or \`code\` (prebuilt), exactly one`);
  }
  if (props.code) return { code: props.code, handler: props.handler ?? 'index.handler' };
  return {
    entry: props.entry,
    handler: props.handler ?? 'handler',
    depsLockFilePath: props.depsLockFilePath,
    projectRoot: props.projectRoot,
    bundling: mergeBundling(props.bundling),
  };
}
