import { DEFAULT_MAX_ATTEMPTS, retryFailedMessages } from '../runtime/publish/failed-message-retrier.js';
import { failedMessageStoreFromEnv, publisherFromEnv } from '../runtime/publish/from-env.js';
import { positiveIntEnv } from '../runtime/support/env.js';

/** Scheduled. Env: FAILED_MESSAGE_TABLE, EVENT_BUS_NAME, SERVICE_NAME, MAX_ATTEMPTS (default 8). */
const store = failedMessageStoreFromEnv();
const publisher = publisherFromEnv();
const maxAttempts = positiveIntEnv('MAX_ATTEMPTS', DEFAULT_MAX_ATTEMPTS);

export const handler = () => retryFailedMessages({ publisher, store, maxAttempts });
