import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root (holds package-lock.json, functions/, lib/). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Resolves a handler path relative to the repository root (absolute paths are kept). */
export function projectPath(entry: string): string {
  return path.isAbsolute(entry) ? entry : path.join(PROJECT_ROOT, entry);
}

/**
 * The Lambda runtime every courier function uses: the newest Node.js runtime aws-cdk-lib knows.
 * One place to bump it.
 */
export const COURIER_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The one architecture every courier function uses. */
export const COURIER_ARCHITECTURE = lambda.Architecture.ARM_64;

/**
 * ESM bundles of CommonJS dependencies (the AWS SDK among them) call `require`; ESM has none, so the
 * bundle starts by creating one. The alias avoids clashing with a bundled `createRequire` import.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __courierCreateRequire } from 'node:module'; const require = __courierCreateRequire(import.meta.url);";

/** esbuild settings shared by every courier function: local esbuild, never Docker. */
export const COURIER_BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  // The Lambda runtime is Node.js 24, but the local engine runs bundles on the host's Node (≥ 20, see
  // package.json engines): emit syntax both understand.
  target: 'node20',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  // The SDK versions are pinned in package.json and bundled, so what was tested is what runs.
  bundleAwsSDK: true,
  forceDockerBundling: false,
};

export interface CourierFunctionProps {
  /**
   * Handler file, absolute or relative to the repository root.
   */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Owning service; set as `SERVICE_NAME` (metrics dimension `service`).
   */
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
}

/**
 * A NodejsFunction with courier's defaults: current Node.js runtime, arm64, ESM bundle from the local
 * esbuild (minified, source maps, SDK bundled), its own log group with a retention, and its own role
 * with no managed policy (only log-stream writes on its own log group; callers add least-privilege
 * grants). Used by Consumer, Outbox and FailedMessageStore.
 */
export class CourierFunction extends nodejs.NodejsFunction {
  constructor(scope: Construct, id: string, props: CourierFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `courier ${props.serviceName}: role of ${id}`,
    });
    super(scope, id, {
      entry: projectPath(props.entry),
      handler: props.handler ?? 'handler',
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      projectRoot: PROJECT_ROOT,
      runtime: COURIER_RUNTIME,
      architecture: COURIER_ARCHITECTURE,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      description: props.description,
      role,
      logGroup,
      bundling: COURIER_BUNDLING,
      environment: {
        SERVICE_NAME: props.serviceName,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    logGroup.grantWrite(role);
  }
}
