import { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { discover, loadAppConfig, resolveScope, stackPrefix, type ConsumerInfo, type Deployment, type Scope } from 'courier/cli';
import { apiCallers, type ApiCaller, type ApiCallers } from './api-callers';
import { apiUrl, DEFAULT_REGION } from '../../bin/cli/local/engine';

/** The deployed system on the local engine, as the demo, the e2e suite and the chaos run drive it. */
export interface LocalSystem {
  endpoint: string;
  /** The stage and app the system was discovered in (COURIER_STAGE, default dev; app from cdk.json). */
  scope: Scope;
  deployment: Deployment;
  clients: {
    sqs: SQSClient;
    dynamodb: DynamoDBClient;
    events: EventBridgeClient;
    lambda: LambdaClient;
    logs: CloudWatchLogsClient;
    cfn: CloudFormationClient;
    sts: STSClient;
    apigw: ApiGatewayV2Client;
  };
  /** Who calls the HTTP APIs (every request is signed; see api-callers.ts). */
  callers: ApiCallers;
  /** Base URLs Node can reach (path style; MiniStack's `{id}.execute-api.localhost` host does not resolve in Node). */
  api: { orders: string; notifications: string };
  /** API URLs as the engine reports them (fine for curl and browsers). */
  publicApi: { orders: string; notifications: string };
  tables: { orders: string; stock: string; points: string; audit: string; loginCounter: string; configCache: string; config: string };
  consumer(name: string): ConsumerInfo;
}

/** The reference app's scope: its cdk.json, the stage from COURIER_STAGE (default dev). */
export const referenceScope = (): Scope => resolveScope({}, loadAppConfig());

export async function connect(endpoint: string, scope: Scope = referenceScope()): Promise<LocalSystem> {
  const config = { endpoint, region: DEFAULT_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const clients = {
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: false }),
    dynamodb: new DynamoDBClient(config),
    events: new EventBridgeClient(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    cfn: new CloudFormationClient(config),
    sts: new STSClient(config),
    apigw: new ApiGatewayV2Client(config),
  };
  const deployment = await discover(clients.cfn, scope);
  /** An output of the scope's stack `<stage>-<app><component>`. */
  const output = (component: string, key: string) => {
    const stack = `${stackPrefix(scope)}${component}`;
    const value = deployment.outputs[stack]?.[key];
    if (!value) throw new Error(`stack ${stack} has no output ${key}; deploy again`);
    return value;
  };
  const apiBase = (component: string) => {
    const raw = output(component, 'ApiUrl');
    const id = deployment.outputs[`${stackPrefix(scope)}${component}`]?.ApiId ?? /^https?:\/\/([a-z0-9]+)\.execute-api\./.exec(raw)?.[1];
    return id ? apiUrl(endpoint, id) : raw.replace(/\/$/, '');
  };
  return {
    endpoint,
    scope,
    deployment,
    clients,
    callers: await apiCallers(clients.sts, deployment.outputs, DEFAULT_REGION, stackPrefix(scope)),
    api: { orders: apiBase('Orders'), notifications: apiBase('Notifications') },
    publicApi: { orders: output('Orders', 'ApiUrl'), notifications: output('Notifications', 'ApiUrl') },
    tables: {
      orders: output('Orders', 'OrdersTable'),
      stock: output('Inventory', 'StockTable'),
      points: output('Points', 'PointsTable'),
      audit: output('Notifications', 'AuditTable'),
      loginCounter: output('Notifications', 'LoginCounterTable'),
      configCache: output('Notifications', 'ConfigCacheTable'),
      config: output('Notifications', 'ConfigTable'),
    },
    consumer(name) {
      const found = deployment.consumers.find((c) => c.name === name);
      if (!found) throw new Error(`no consumer ${name}; deployed: ${deployment.consumers.map((c) => c.name).join(', ')}`);
      return found;
    },
  };
}

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * JSON over HTTP with a bounded wait; the body is parsed when it is JSON. With `as`, the request is
 * signed (SigV4) by that caller; without, it goes out unsigned.
 */
export async function http<T = any>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; as?: ApiCaller } = {}): Promise<HttpResult<T>> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' || init.body instanceof Uint8Array ? init.body : JSON.stringify(init.body);
  const method = init.method ?? (body === undefined ? 'GET' : 'POST');
  const headers = { 'content-type': 'application/json', ...init.headers };
  const res = await fetch(url, {
    method,
    headers: init.as ? await init.as.sign({ method, url, headers, body }) : headers,
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
