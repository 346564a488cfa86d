import { resolve } from 'node:path';
import type { ServiceStackProps } from 'courier/constructs';

/**
 * How the local-engine deployment carries the chaos run's fault injection (scripts/chaos/fault-settings.ts
 * turns it on in the consumers and the outbox relays): the fault module injected into every bundle the
 * stacks build, and the outbox relay built from source (its prebuilt asset cannot take an injection).
 * AWS deployments get none of it, so no production bundle contains fault-injection code
 * (test/infra/assets.test.ts greps them).
 */
export function chaosInstrumentation(): Pick<ServiceStackProps, 'bundling' | 'toolkitCode'> {
  const bundling = { inject: [resolve('scripts/chaos/install-faults.ts')] };
  return { bundling, toolkitCode: { relay: { entry: 'scripts/chaos/relay.ts', bundling } } };
}
