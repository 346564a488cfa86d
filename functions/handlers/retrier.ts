import { failedMessageRetrierFromEnv } from '../runtime/index.js';

/** Prebuilt into the package (dist/assets/retrier): republishes failed messages, parks them after N attempts. Env: see failedMessageRetrierFromEnv. */
export const handler = failedMessageRetrierFromEnv();
