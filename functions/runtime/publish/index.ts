/** Publishing: typed PutEvents with per-entry retry, and the failed-message store behind it. */
export { createPublisher, type Publisher, type PublisherOptions, type PublishFailure, type PublishResult } from './publisher.js';
export { buildEvent, outgoing, type BuiltEvent, type OutgoingEvent, type StoredEntry } from './outgoing.js';
export { createReliablePublisher, type KeptEvent, type ReliablePublisher } from './publish-or-store.js';
export { createFailedMessageStore, type FailedMessage, type FailedMessageStore, type FailedMessageStoreOptions } from './failed-message-store.js';
export { retryFailedMessages, type RetrySummary } from './failed-message-retrier.js';
export { failedMessageRetrierFromEnv, failedMessageStoreFromEnv, publisherFromEnv, reliablePublisherFromEnv } from './from-env.js';
