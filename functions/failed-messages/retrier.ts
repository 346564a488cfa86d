import { DEFAULT_MAX_ATTEMPTS, retryFailedMessages } from '../runtime/failed-message-retrier';
import { failedMessageStoreFromEnv, positiveIntEnv, publisherFromEnv } from '../runtime/publishing-env';

/** Scheduled. Env: FAILED_MESSAGE_TABLE, EVENT_BUS_NAME, SERVICE_NAME, MAX_ATTEMPTS (default 8). */
const store = failedMessageStoreFromEnv();
const publisher = publisherFromEnv();
const maxAttempts = positiveIntEnv('MAX_ATTEMPTS', DEFAULT_MAX_ATTEMPTS);

export const handler = () => retryFailedMessages({ publisher, store, maxAttempts });
