import { paginateDescribeStacks, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { stackPrefix, type Scope } from './scope.js';

/** What a consumer's stack output says about it (lib/constructs/consumer.ts `describe()`). */
export interface ConsumerInfo {
  kind: 'consumer';
  name: string;
  service: string;
  stack: string;
  detailTypes: string[];
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  targetDlqUrl: string;
  targetDlqArn: string;
  ruleName: string;
  ruleArn: string;
  functionName: string;
  logGroupName: string;
  idempotencyTableName: string;
  /** How long its markers suppress duplicates (absent: deployed before it was published; see horizon.ts). */
  idempotencyHorizonSeconds?: number;
  alarms: Record<string, string>;
}

/** What a service's outbox stack output says about it (lib/constructs/outbox.ts): its table, relay, sweeper and alarms. */
export interface OutboxInfo {
  kind: 'outbox';
  service: string;
  stack: string;
  tableName: string;
  pendingIndex: string;
  relayFunctionName: string;
  relayDlqUrl: string;
  relayDlqArn: string;
  sweeperFunctionName: string;
  alarms: Record<string, string>;
}

/** What a service's failed-message store output says about it (lib/constructs/failed-message-store.ts): its table, due index and retrier. */
export interface FailedMessagesInfo {
  kind: 'failed-messages';
  service: string;
  stack: string;
  tableName: string;
  dueIndex: string;
  retrierFunctionName: string;
  alarms: Record<string, string>;
}

/** The bus of a scope, its archive (`null` where none is deployed, e.g. the local engine) and the alarm topic. */
export interface BusInfo {
  kind: 'bus';
  busName: string;
  busArn: string;
  archiveName: string | null;
  archiveArn: string | null;
  alarmTopicArn: string;
}

/**
 * Everything courier deployed in one scope, as its stacks' outputs describe it: what the command
 * functions act on (`ctx.deployment()`), and what a script reads queue URLs, table and function names from.
 */
export interface Deployment {
  /** The bus, its archive and the alarm topic (absent when the messaging stack is not in scope). */
  bus?: BusInfo;
  /** Every consumer, by name. */
  consumers: ConsumerInfo[];
  /** Every service's outbox. */
  outboxes: OutboxInfo[];
  /** Every service's failed-message store. */
  failedMessages: FailedMessagesInfo[];
  /** Every plain output (ApiUrl, table names…) by stack. */
  outputs: Record<string, Record<string, string>>;
}

/**
 * Thrown when nothing of courier is deployed where the client points (the CLI exits 4).
 *
 * @example
 * try {
 *   await dlqList(ctx);
 * } catch (error) {
 *   if (!(error instanceof NotDeployed)) throw error;
 *   console.log('nothing deployed in this stage yet');
 * }
 */
export class NotDeployed extends Error {}

/**
 * Thrown when the scope matches the stacks of more than one app: the CLI never mixes them. Name the app
 * (`Scope.app`, `--app`, or `context.courier.app` in cdk.json).
 *
 * @example
 * try {
 *   await discover(cfn, { stage: 'dev' });
 * } catch (error) {
 *   if (error instanceof AmbiguousApp) await discover(cfn, { stage: 'dev', app: 'Shipping' });
 *   else throw error;
 * }
 */
export class AmbiguousApp extends Error {}

/**
 * Finds courier's components from the outputs (keys `Courier…`, descriptions `courier:<kind> …`, JSON
 * values) of the stacks in scope — names starting `<stage>-<app>` — never from hard-coded names, so the
 * CLI works for any app, account, region or local engine and never mixes stages or apps. A context
 * calls it on first use of `ctx.deployment()`.
 *
 * @example
 * const deployment = await discover(new CloudFormationClient({}), resolveScope({ stage: 'prod' }, loadAppConfig()));
 * const dlqUrls = deployment.consumers.map((c) => c.dlqUrl);
 */
export async function discover(cfn: CloudFormationClient, scope: Scope): Promise<Deployment> {
  const prefix = stackPrefix(scope);
  const stacks: Stack[] = [];
  for await (const page of paginateDescribeStacks({ client: cfn }, {})) {
    stacks.push(...(page.Stacks ?? []).filter((s) => s.StackName?.startsWith(prefix) && !s.StackStatus?.startsWith('DELETE')));
  }

  const deployment: Deployment = { consumers: [], outboxes: [], failedMessages: [], outputs: {} };
  const buses: string[] = [];
  for (const stack of stacks) {
    const name = stack.StackName!;
    for (const output of stack.Outputs ?? []) {
      if (!output.OutputKey || output.OutputValue === undefined) continue;
      (deployment.outputs[name] ??= {})[output.OutputKey] = output.OutputValue;
      if (!output.Description?.startsWith('courier:')) continue;
      const component = JSON.parse(output.OutputValue) as { kind: string };
      if (component.kind === 'bus') {
        deployment.bus = component as BusInfo;
        buses.push(name);
      }
      else if (component.kind === 'consumer') deployment.consumers.push({ ...(component as ConsumerInfo), stack: name });
      else if (component.kind === 'outbox') deployment.outboxes.push({ ...(component as OutboxInfo), stack: name });
      else if (component.kind === 'failed-messages') deployment.failedMessages.push({ ...(component as FailedMessagesInfo), stack: name });
    }
  }
  if (!deployment.bus && deployment.consumers.length === 0) {
    throw new NotDeployed(`no courier stacks found in stage ${scope.stage}${scope.app ? ` of app ${scope.app}` : ''} (no stack named ${prefix}… with outputs described "courier:…"); deploy first: npx cdk deploy --all -c stage=${scope.stage}, or npm run local`);
  }
  if (buses.length > 1) {
    throw new AmbiguousApp(`stage ${scope.stage} holds more than one courier app (buses in ${buses.join(', ')}): pass --app <stack prefix after "${scope.stage}-">, or set context.courier.app in cdk.json`);
  }
  deployment.consumers.sort((a, b) => a.name.localeCompare(b.name));
  return deployment;
}

/**
 * A consumer by its name, or by its queue/DLQ name or URL; undefined when nothing matches.
 *
 * @example
 * const dispatch = findConsumer(await ctx.deployment(), 'shipping-dispatch');
 * if (dispatch) console.log(dispatch.functionName, dispatch.dlqUrl);
 */
export function findConsumer(deployment: Deployment, nameOrQueue: string): ConsumerInfo | undefined {
  const wanted = nameOrQueue.trim();
  return deployment.consumers.find(
    (c) =>
      c.name === wanted ||
      [c.queueUrl, c.dlqUrl, c.targetDlqUrl].some((url) => url === wanted || url.endsWith(`/${wanted}`)),
  );
}
