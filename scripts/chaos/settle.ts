import { queueDepth } from '../../bin/cli/dlq';
import { failedList } from '../../bin/cli/failed';
import { outboxStatus } from '../../bin/cli/outbox';
import { cliContext } from '../local/cli-context';
import type { LocalSystem } from '../local/system';

/**
 * Waits until nothing is left in motion: every consumer queue empty (visible and in flight: retries
 * wait hidden under their backoff, a crashed batch under the visibility timeout), no outbox row
 * pending, no failed message due (or another `done` condition). It must hold on `calmPolls` polls in a row, because a message can
 * sit between two hops (stream → relay → bus) while every store looks empty. Bounded by `deadline`.
 */
export interface Backlog {
  queued: number;
  inFlight: number;
  outboxPending: number;
  failedDue: number;
  failedParked: number;
}

export const isQuiet = (b: Backlog): boolean => b.queued + b.inFlight + b.outboxPending + b.failedDue === 0;

export async function backlog(sys: LocalSystem): Promise<Backlog> {
  const ctx = cliContext(sys);
  const now = Date.now();
  const [queues, outboxes, failed] = await Promise.all([
    Promise.all(sys.deployment.consumers.map((c) => queueDepth(sys.clients.sqs, c.queueUrl, now, false))),
    outboxStatus(ctx),
    failedList(ctx),
  ]);
  return {
    queued: queues.reduce((n, q) => n + q.depth, 0),
    inFlight: queues.reduce((n, q) => n + q.inFlight, 0),
    outboxPending: outboxes.reduce((n, o) => n + o.pending, 0),
    failedDue: failed.filter((f) => f.status === 'DUE').length,
    failedParked: failed.filter((f) => f.status === 'PARKED').length,
  };
}

export async function settle(
  sys: LocalSystem,
  options: { deadline: number; calmPolls?: number; everyMs?: number; log?: (line: string) => void; done?: (b: Backlog) => boolean },
): Promise<{ quiet: boolean; seconds: number; last: Backlog }> {
  const started = Date.now();
  const calmPolls = options.calmPolls ?? 3;
  let calm = 0;
  let lastLogged = 0;
  for (;;) {
    const last = await backlog(sys);
    calm = (options.done ?? isQuiet)(last) ? calm + 1 : 0;
    const seconds = (Date.now() - started) / 1000;
    if (calm >= calmPolls) return { quiet: true, seconds, last };
    if (Date.now() - lastLogged > 15_000) {
      options.log?.(`settling ${seconds.toFixed(0)} s: ${last.queued} queued, ${last.inFlight} in flight, ${last.outboxPending} outbox pending, ${last.failedDue} failed due`);
      lastLogged = Date.now();
    }
    if (Date.now() > options.deadline) return { quiet: false, seconds, last };
    await new Promise((r) => setTimeout(r, options.everyMs ?? 2_000));
  }
}
