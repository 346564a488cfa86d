import { GetFunctionConfigurationCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { FAULTS_ENV, parseFaults, type FaultKind } from 'courier/testing';
import type { LocalSystem } from '../local/system';

/**
 * Turns fault injection on and off in the deployed functions by their configuration: COURIER_FAULTS
 * (courier/testing, wired in by scripts/chaos/instrumentation.ts) added to or removed from each function's environment with
 * UpdateFunctionConfiguration, then read back, because a setting is only in effect once it reads back.
 */
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface FaultPlan {
  /** Every consumer: handler faults, crashes, idempotency-table throttling (and PutEvents for those that publish). */
  consumers: FaultRates;
  /** Every outbox relay: PutEvents entry throttling. */
  relays: FaultRates;
  /** One consumer with a deployed bug: `permanent` at rate 1 there, on top of `consumers`. @default - none */
  permanent?: string;
  seed: number;
}

export interface FaultTarget {
  functionName: string;
  role: 'consumer' | 'relay';
  /** The consumer's name, or `<service>-outbox`. */
  owner: string;
}

/** The functions a plan configures: every consumer and every outbox relay of the deployment. */
export function faultTargets(sys: LocalSystem): FaultTarget[] {
  return [
    ...sys.deployment.consumers.map((c) => ({ functionName: c.functionName, role: 'consumer' as const, owner: c.name })),
    ...sys.deployment.outboxes.map((o) => ({ functionName: o.relayFunctionName, role: 'relay' as const, owner: `${o.service}-outbox` })),
  ];
}

/** The COURIER_FAULTS value for one target; each function gets its own seed so they do not fail in step. */
export function faultSetting(plan: FaultPlan, target: FaultTarget, index: number): string {
  const buggy = target.role === 'consumer' && target.owner === plan.permanent;
  const rates = target.role === 'consumer' ? { ...plan.consumers, ...(buggy ? { permanent: 1 } : {}) } : plan.relays;
  const value = JSON.stringify({ ...rates, seed: plan.seed + index });
  parseFaults(value); // refuse a plan the runtime would reject, before anything is changed
  return value;
}

/** Sets (value) or removes (undefined) COURIER_FAULTS on every target and reads each one back. */
export async function configureFaults(sys: LocalSystem, plan: FaultPlan | undefined): Promise<{ target: FaultTarget; setting: string | undefined }[]> {
  const targets = faultTargets(sys);
  return Promise.all(
    targets.map(async (target, i) => {
      const setting = plan ? faultSetting(plan, target, i) : undefined;
      await setEnvironmentVariable(sys.clients.lambda, target.functionName, FAULTS_ENV, setting);
      return { target, setting };
    }),
  );
}

async function setEnvironmentVariable(lambda: LambdaClient, FunctionName: string, name: string, value: string | undefined): Promise<void> {
  const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
  const Variables = { ...(current.Environment?.Variables ?? {}) };
  if (value === undefined) delete Variables[name];
  else Variables[name] = value;
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName, Environment: { Variables } }));
  for (let attempt = 0; ; attempt++) {
    const read = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName }));
    const actual = read.Environment?.Variables?.[name];
    if (actual === value && read.LastUpdateStatus !== 'InProgress') return;
    if (attempt >= 20) throw new Error(`${FunctionName}: ${name} reads back as ${JSON.stringify(actual)} (status ${read.LastUpdateStatus}), wanted ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
