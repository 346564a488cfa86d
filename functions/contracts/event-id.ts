import { createHash, randomFillSync } from 'node:crypto';

/**
 * A courier event_id: UUIDv7 (RFC 9562), 48-bit Unix milliseconds first, so ids sort by creation time.
 * For checking an id that arrives from outside a contract, e.g. in a request path.
 *
 * @example
 * if (!EVENT_ID_PATTERN.test(eventId)) throw new HttpError(400, 'event_id: not a UUIDv7');
 */
export const EVENT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const bytes = new Uint8Array(16);
let lastMs = 0;
let counter = 0;

/**
 * A new producer-assigned event id. Within one millisecond the 12-bit `rand_a` field is a counter
 * (RFC 9562 method 1), so ids from one process stay strictly increasing. The publisher assigns one to
 * every event it builds; call it yourself only for an id you must know before publishing.
 *
 * @example
 * const eventId = newEventId();
 * await publisher.publish([outgoing(OrderCreatedV1, order, { eventId })]);
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

/**
 * The event_id of an event derived from another one by a producer that keeps no state (e.g. risk's
 * `risk.assessed.v1` for an `order.created.v1`): the cause's 48-bit timestamp, then bits hashed from the
 * cause's id and `name`. A re-run of the producer for the same cause (a crash or a lost completion before
 * its idempotency marker was written) announces the same event_id, which consumers recognise as a
 * duplicate, instead of a second event nobody can tell from a new one. Still a UUIDv7.
 *
 * @example
 * // in a consumer of order.created.v1 that announces risk.assessed.v1
 * const eventId = derivedEventId(event.detail.event_id, RiskAssessedV1.detailType);
 * await publisher.publish([outgoing(RiskAssessedV1, assessment, { eventId, causationId: event.detail.event_id })]);
 */
export function derivedEventId(causeEventId: string, name: string): string {
  if (!EVENT_ID_PATTERN.test(causeEventId)) throw new Error(`not a UUIDv7 event id: ${causeEventId}`);
  const hash = createHash('sha256').update(`${causeEventId}\u0000${name}`).digest('hex');
  const time = causeEventId.replaceAll('-', '').slice(0, 12);
  const variant = ((parseInt(hash[3]!, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hash.slice(0, 3)}-${variant}${hash.slice(4, 7)}-${hash.slice(7, 19)}`;
}
