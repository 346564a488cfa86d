import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/** PutEvents limits: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html */
export const PUT_EVENTS_MAX_ENTRIES = 10;
/**
 * The largest total entry size one call (and so one entry) may carry: AWS says "the total entry size must
 * be less than 256KB", so 262,144 bytes is already refused.
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024 - 1;

const utf8 = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));

/**
 * An entry's size as EventBridge counts it. The 14 bytes for Time are always counted: EventBridge stamps
 * a time on every event, and over-counting by 14 bytes is safer than a rejected call.
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = 14 + utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail);
  for (const resource of entry.Resources ?? []) size += utf8(resource);
  return size;
}

export interface Batches {
  /** Indexes into the input, grouped into calls that respect both limits, input order kept. */
  batches: number[][];
  /** Indexes of entries that exceed the limit on their own and can never be sent. */
  oversize: number[];
}

/** Greedy packing in input order: a new call starts when the next entry would break either limit. */
export function planBatches(entries: readonly PutEventsRequestEntry[]): Batches {
  const batches: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  entries.forEach((entry, index) => {
    const size = entrySize(entry);
    if (size > PUT_EVENTS_MAX_BYTES) {
      oversize.push(index);
      return;
    }
    if (current.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  });
  if (current.length > 0) batches.push(current);
  return { batches, oversize };
}
