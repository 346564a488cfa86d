import { outboxSweeperFromEnv } from '../runtime/index.js';

/** Prebuilt into the package (dist/assets/sweeper): republishes outbox rows the relay missed. Env: see outboxSweeperFromEnv. */
export const handler = outboxSweeperFromEnv();
