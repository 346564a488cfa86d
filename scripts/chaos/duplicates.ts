import { createHash } from 'node:crypto';
import { mapLimit } from '../../functions/runtime/support/map-limit';
import { resend } from '../local/actions';
import { scanItems } from '../../bin/cli/scan';
import type { LocalSystem } from '../local/system';

/**
 * Duplicate deliveries as a broken network or an over-eager producer makes them: published outbox rows
 * re-sent to the bus with their stored event_id, so every subscriber receives the event a second time
 * and must recognise it. Which rows is a function of the event_id, so the choice is reproducible and
 * spread evenly over services and detail-types.
 */
export interface OutboxRow {
  service: string;
  event_id: string;
  detail_type: string;
  source: string;
  detail: string;
  status: string;
}

export async function outboxRowsOf(sys: LocalSystem): Promise<OutboxRow[]> {
  const perService = await Promise.all(
    sys.deployment.outboxes.map(async (o) => (await scanItems<Omit<OutboxRow, 'service'>>(sys.clients.dynamodb, o.tableName)).map((r) => ({ ...r, service: o.service }))),
  );
  return perService.flat();
}

/** True for about `share` of all event ids. */
export const chosenForDuplicate = (eventId: string, share: number): boolean =>
  createHash('sha256').update(eventId).digest().readUInt32BE(0) / 2 ** 32 < share;

/** Re-sends the chosen share of the rows published so far (each at most once per call); returns their event ids. */
export async function resendDuplicates(sys: LocalSystem, share: number, already: ReadonlySet<string>, concurrency = 8): Promise<string[]> {
  const rows = (await outboxRowsOf(sys)).filter((r) => r.status === 'PUBLISHED' && !already.has(r.event_id) && chosenForDuplicate(r.event_id, share));
  await mapLimit(rows, concurrency, (row) => resend(sys, row));
  return rows.map((r) => r.event_id);
}
