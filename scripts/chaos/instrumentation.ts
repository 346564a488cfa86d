import { resolve } from 'node:path';
import type { ServiceStackProps } from 'courier/constructs';

/** Modules injected into every bundle of the local-engine deployment, each inert until the run that needs it switches it on. */
const INJECTED = [
  // the chaos run's faults (scripts/chaos/fault-settings.ts turns them on in the consumers and the outbox relays)
  'scripts/chaos/install-faults.ts',
  // the counted-cost run's request counting (bench/counted-cost.ts turns it on in every function)
  'scripts/cost/install-counting.ts',
];

/**
 * How the local-engine deployment carries test-only code: the modules above injected into every bundle
 * the stacks build, and the toolkit's relay, sweeper and retrier built from source (their prebuilt assets
 * cannot take an injection). AWS deployments get none of it, so no production bundle contains
 * fault-injection or request-counting code (test/infra/assets.test.ts greps them).
 */
export function chaosInstrumentation(): Pick<ServiceStackProps, 'bundling' | 'toolkitCode'> {
  const bundling = { inject: INJECTED.map((file) => resolve(file)) };
  const fromSource = (handler: 'relay' | 'sweeper' | 'retrier') => ({ entry: `functions/handlers/${handler}.ts`, bundling });
  return { bundling, toolkitCode: { relay: fromSource('relay'), sweeper: fromSource('sweeper'), retrier: fromSource('retrier') } };
}
