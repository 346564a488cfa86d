import type { SQSRecord } from 'aws-lambda';
import type { ConsumerConfig } from './config.js';
import type { Decoded } from './decode.js';
import type { ClaimResult, Holder, IdempotencyStore } from './idempotency.js';

/** A record after the claim step: its idempotency id and claim, or why it has none. */
export interface ClaimedRecord {
  record: SQSRecord;
  decoded: Decoded;
  /** `<consumer>#<key>`, when idempotency is on and the key is valid. */
  id?: string;
  claim?: ClaimResult;
  /** A key function failed for this record (InvalidIdempotencyKey, InvalidOrderingKey): it is quarantined, never run. */
  invalid?: Error;
}

/**
 * Step 2, claim: each decoded record's idempotency id, then one claim round trip for the whole batch
 * with a lease ending at `leaseExpiresAt`, abandoned at `deadlineAt`. The second copy of a key within
 * the batch is not claimed: it is reported `in_progress` and retried after the first. In optimistic mode
 * nothing is claimed (see `checkLikelyDuplicates`).
 */
export async function claimAll(
  config: ConsumerConfig,
  decoded: readonly { record: SQSRecord; decoded: Decoded }[],
  leaseExpiresAt: number,
  deadlineAt: number,
): Promise<ClaimedRecord[]> {
  if (!config.store) return decoded.map((d) => ({ ...d }));
  const items = decoded.map((d): ClaimedRecord => {
    if (!d.decoded.ok) return { ...d };
    try {
      return { ...d, id: config.idOf(d.decoded.event) };
    } catch (error) {
      return { ...d, invalid: error as Error };
    }
  });
  const owners = new Map<string, number>();
  items.forEach((item, i) => {
    if (item.id !== undefined && !owners.has(item.id)) owners.set(item.id, i);
  });
  if (config.mode === 'optimistic') return checkLikelyDuplicates(config.store, items, owners, deadlineAt);
  const claims = await config.store.claim([...owners.keys()], leaseExpiresAt, deadlineAt);
  return items.map((item, i) => {
    if (item.id === undefined) return item;
    const claim: ClaimResult = owners.get(item.id) === i ? claims.get(item.id)! : { status: 'in_progress' };
    return { ...item, claim };
  });
}

/**
 * Optimistic mode: claims nothing. Only the records likely to be duplicates have their markers read,
 * in one BatchGetItem, so a known duplicate does not run its handler; new records (nearly all of them)
 * pay no request before running. A later copy of a key in the batch follows the first copy.
 */
async function checkLikelyDuplicates(
  store: IdempotencyStore,
  items: readonly ClaimedRecord[],
  owners: ReadonlyMap<string, number>,
  deadlineAt: number,
): Promise<ClaimedRecord[]> {
  const suspects = [...owners].filter(([, i]) => likelyDuplicate(items[i]!)).map(([id]) => id);
  const held = suspects.length > 0 ? await store.read(suspects, deadlineAt) : new Map<string, Holder>();
  return items.map((item, i): ClaimedRecord => {
    if (item.id === undefined) return item;
    if (owners.get(item.id) !== i) return { ...item, claim: { status: 'copy' } };
    const holder = held.get(item.id);
    return { ...item, claim: holder ? { status: holder } : { status: 'optimistic' } };
  });
}

/**
 * A record that may well have been processed already: SQS delivered it before (a crash, a timeout, a
 * lost acknowledgement), or it is an archive replay. A first delivery can be a duplicate too (the
 * producer or EventBridge sent it twice); its commit is then refused on the marker.
 */
const likelyDuplicate = (item: ClaimedRecord): boolean =>
  Number(item.record.attributes.ApproximateReceiveCount ?? 1) > 1 || item.decoded.known.replayName !== undefined;
