import { dlqList, dlqRedrive, dlqShow } from '../../bin/cli/dlq';
import type { DlqMessage } from '../../bin/cli/dlq-messages';
import { outboxRetry } from '../../bin/cli/outbox';
import { cliContext } from '../local/cli-context';
import type { LocalSystem } from '../local/system';

/**
 * What an operator does once the fault is fixed, with the ops CLI's own functions: read every
 * non-empty DLQ (why each message is there), move the messages back to their consumer's queue, and
 * have the outbox sweepers republish rows whose relay batch was dead-lettered.
 */
export interface RedriveSummary {
  /** Messages in consumer and target DLQs before the redrive, with their reasons. */
  messages: DlqMessage[];
  moved: number;
  notMoved: number;
  /** Stream-batch pointers in relay DLQs (their rows are republished by the sweeper, not moved). */
  relayDlq: number;
}

export async function redriveEverything(sys: LocalSystem, log: (line: string) => void = () => {}): Promise<RedriveSummary> {
  const ctx = cliContext(sys);
  const summary: RedriveSummary = { messages: [], moved: 0, notMoved: 0, relayDlq: 0 };
  for (const row of await dlqList(ctx)) {
    if (row.depth === 0) continue;
    if (row.kind === 'relay-dlq') {
      summary.relayDlq += row.depth;
      const retried = await outboxRetry(ctx, { service: row.service });
      log(`${row.owner} relay DLQ holds ${row.depth} stream batch(es); sweeper: ${retried.map((r) => `${r.pendingBefore} → ${r.pendingAfter} pending`).join(', ')}`);
      continue;
    }
    const target = row.kind === 'target-dlq';
    const shown = await dlqShow(ctx, row.owner, { limit: row.depth + 10, target });
    summary.messages.push(...shown.groups.flatMap((g) => g.messages));
    // The fault is off now; the consumers' errors alarms cannot know that on the local engine.
    const result = await dlqRedrive(ctx, row.owner, { force: true, target });
    summary.moved += result.moved;
    summary.notMoved += result.failed.length;
    log(`${row.owner} ${row.kind}: ${shown.groups.map((g) => `${g.count} × ${g.errorClass}`).join(', ')}; moved ${result.moved} back (${result.method})`);
  }
  return summary;
}
