/** Publishing: typed PutEvents with per-entry retry, and the failed-message store behind it. */
export { createPublisher, PUBLISH_DEFAULTS, type Publisher, type PublisherOptions, type PublishFailure, type PublishResult } from './publisher.js';
export { buildEvent, outgoing, type BuiltEvent, type OutgoingEvent, type StoredEntry } from './outgoing.js';
export { createReliablePublisher, type KeptEvent, type ReliablePublisher } from './publish-or-store.js';
export { createFailedMessageStore, FAILED_MESSAGE_BACKOFF, FAILED_MESSAGE_RETENTION_MS, type FailedMessage, type FailedMessageStore, type FailedMessageStoreOptions } from './failed-message-store.js';
export { DEFAULT_MAX_ATTEMPTS, retryFailedMessages, type RetrySummary } from './failed-message-retrier.js';
export { entrySize, PUT_EVENTS_MAX_BYTES, PUT_EVENTS_MAX_ENTRIES } from './put-events-batches.js';
export { failedMessageRetrierFromEnv, failedMessageStoreFromEnv, publisherFromEnv, reliablePublisherFromEnv } from './from-env.js';
