import { createFailedMessageStore } from './failed-message-store';
import { createOutboxTable } from './outbox-table';
import { createPublisher } from './publisher';
import { createReliablePublisher } from './publish-or-store';

/**
 * Publishing pieces configured from the environment the constructs set (docs/ARCHITECTURE.md § Shared
 * conventions). Called at module load, so a missing variable fails the cold start, not a request.
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive integer, got "${raw}"`);
  return value;
}

export const publisherFromEnv = () => createPublisher({ busName: requiredEnv('EVENT_BUS_NAME') });
export const failedMessageStoreFromEnv = () => createFailedMessageStore({ tableName: requiredEnv('FAILED_MESSAGE_TABLE') });
export const outboxTableFromEnv = () => createOutboxTable({ tableName: requiredEnv('OUTBOX_TABLE') });
/** For request handlers: publishOrStore / publishLater backed by EVENT_BUS_NAME and FAILED_MESSAGE_TABLE. */
export const reliablePublisherFromEnv = () => createReliablePublisher({ publisher: publisherFromEnv(), store: failedMessageStoreFromEnv() });
