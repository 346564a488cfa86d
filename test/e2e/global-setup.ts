import type { TestProject } from 'vitest/node';
import { applyEngineEnv, ensureEngine, stopEngine } from '../../bin/cli/local/engine';
import { deployToEngine } from '../../bin/cli/local/deploy';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoint: string;
    deploySeconds: number;
  }
}

/**
 * Starts the local engine (or reuses a running one), deploys the whole CDK app with the read-back of
 * every setting, and hands the endpoint to the e2e files. Stops the engine afterwards only if it
 * started it here.
 */
export default async function setup(project: TestProject) {
  const started = Date.now();
  const engine = await ensureEngine();
  applyEngineEnv(engine.endpoint);
  await deployToEngine(engine, { log: (line) => process.stderr.write(`[e2e] ${line}\n`), resetOnFailure: true });
  project.provide('endpoint', engine.endpoint);
  project.provide('deploySeconds', (Date.now() - started) / 1000);
  return async () => {
    if (engine.started) await stopEngine();
  };
}
