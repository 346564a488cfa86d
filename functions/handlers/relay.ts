import { outboxRelayFromEnv } from '../runtime/index.js';

/** Prebuilt into the package (dist/assets/relay): outbox stream → bus. Env: see outboxRelayFromEnv. */
export const handler = outboxRelayFromEnv();
