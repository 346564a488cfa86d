import type { SQSRecord } from 'aws-lambda';
import type { ConsumerConfig } from './config.js';
import type { Decoded } from './decode.js';
import type { ClaimResult } from './idempotency.js';

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
 * the batch is not claimed: it is reported `in_progress` and retried after the first.
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
  const claims = await config.store.claim([...owners.keys()], leaseExpiresAt, deadlineAt);
  return items.map((item, i) => {
    if (item.id === undefined) return item;
    const claim: ClaimResult = owners.get(item.id) === i ? claims.get(item.id)! : { status: 'in_progress' };
    return { ...item, claim };
  });
}
