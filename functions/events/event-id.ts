import { randomFillSync } from 'node:crypto';

/** UUIDv7 (RFC 9562): 48-bit Unix milliseconds first, so ids sort by creation time. */
export const EVENT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const bytes = new Uint8Array(16);
let lastMs = 0;
let counter = 0;

/**
 * A new producer-assigned event id. Within one millisecond the 12-bit `rand_a` field is a counter
 * (RFC 9562 method 1), so ids from one process stay strictly increasing.
 */
export function newEventId(now: number = Date.now()): string {
  randomFillSync(bytes);
  if (now > lastMs) {
    lastMs = now;
    counter = (bytes[6]! & 0x07) << 8 | bytes[7]!; // random start, leaves room to count up
  } else {
    counter += 1;
    if (counter > 0xfff) { lastMs += 1; counter = 0; } // borrow the next millisecond rather than repeat
  }
  const ms = lastMs;
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
