import { mapLimit } from '../support/map-limit.js';
import type { StoredEntry } from './outgoing.js';
import type { PublishResult, Publisher } from './publisher.js';

/** `recorded: false` when writing the outcome back failed: the item stays where it was and is tried again. */
export type Republished<T, R> = { item: T; result: PublishResult } & ({ recorded: true; outcome: R } | { recorded: false });

const RECORD_CONCURRENCY = 10;

/**
 * The one step the relay, the sweeper and the retrier share: publish stored entries exactly as stored
 * (same event_id, so consumers dedupe a resend), then record each outcome with `record` (mark published,
 * delete, reschedule, park). A failure to record is logged and reported, never thrown.
 */
export async function republish<T extends StoredEntry, R>(
  publisher: Publisher,
  items: readonly T[],
  record: (item: T, result: PublishResult) => Promise<R>,
): Promise<Republished<T, R>[]> {
  const results = await publisher.publishStored(items);
  return mapLimit(items, RECORD_CONCURRENCY, async (item, i): Promise<Republished<T, R>> => {
    const result = results[i]!;
    try {
      return { item, result, recorded: true, outcome: await record(item, result) };
    } catch (error) {
      publisher.logger.error('could not record publish outcome', { event_id: item.eventId, status: result.status, error });
      return { item, result, recorded: false };
    }
  });
}
