import { replay } from '../../bin/cli/replay';
import { cliContext } from '../local/cli-context';
import { consumerOutcomes } from '../local/outcomes';
import type { LocalSystem } from '../local/system';

/**
 * Replays a window of the bus archive to one consumer with `courier replay` (named for it, scoped to its
 * rule): the consumer completed every one of those events already, within its idempotency horizon, so
 * the replay must change nothing — the invariants checked afterwards say whether it did.
 */
export interface ReplaySummary {
  consumer: string;
  from: string;
  to: string;
  replayName?: string;
  state: string;
  /** The consumer's per-record outcome lines since the replay started (log-based, informational). */
  outcomes: { processed: number; duplicate: number };
}

export async function replayWindow(sys: LocalSystem, options: { consumer: string; from: string; to: string; log: (line: string) => void }): Promise<ReplaySummary> {
  const since = Date.now();
  const result = await replay(cliContext(sys), { from: options.from, to: options.to, consumers: [options.consumer], pollMs: 1_000 });
  const [one] = result.replays;
  // let the replayed events be consumed before counting (the caller settles afterwards anyway)
  await new Promise((r) => setTimeout(r, 5_000));
  const { processed, duplicate } = await consumerOutcomes(sys.clients.logs, sys.consumer(options.consumer), since);
  options.log(`replay ${one?.replayName ?? '-'} of ${options.from} … ${options.to} to ${options.consumer}: ${result.state}; ${duplicate} duplicates, ${processed} processed`);
  return { consumer: options.consumer, from: options.from, to: options.to, replayName: one?.replayName, state: result.state, outcomes: { processed, duplicate } };
}
