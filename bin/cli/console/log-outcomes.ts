import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ConsumerInfo } from '../discovery.js';

export type Outcome = 'processed' | 'duplicate' | 'retry' | 'quarantined';

/** Events per FilterLogEvents page. */
const PAGE = 10_000;

/**
 * Calls `onLine` with every log line of a group since `sinceMs` that matches a CloudWatch filter pattern.
 * Follows `nextToken`; the local engine returns at most `limit` events (oldest first) and no token, so a
 * full page without one continues from its last timestamp, skipping the lines of that millisecond it
 * already passed on.
 */
export async function forEachLogLine(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number, filterPattern: string, onLine: (line: string) => void): Promise<void> {
  let startTime = sinceMs;
  let nextToken: string | undefined;
  let boundary = new Set<string>();
  for (;;) {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime, filterPattern, nextToken, limit: PAGE }));
    const events = page.events ?? [];
    const lastAt = events.at(-1)?.timestamp;
    const atLast = new Set<string>();
    for (const event of events) {
      const key = `${event.timestamp}\u0000${event.message}`;
      if (event.timestamp === lastAt) atLast.add(key);
      if (boundary.has(key)) continue;
      onLine(event.message ?? '');
    }
    if (page.nextToken) {
      nextToken = page.nextToken;
      continue;
    }
    if (events.length < PAGE || lastAt === undefined) return;
    // No token on a full page (local engine): resume at the last millisecond seen.
    if (lastAt === startTime && [...atLast].every((k) => boundary.has(k))) return;
    boundary = lastAt === startTime ? new Set([...boundary, ...atLast]) : atLast;
    startTime = lastAt;
  }
}

/**
 * Counts the runtime's per-record outcome log lines (`"outcome":"…"`) in a consumer's log group since
 * `sinceMs`: how many records it processed, suppressed as duplicates, retried and quarantined.
 */
export async function consumerOutcomes(logs: CloudWatchLogsClient, consumer: ConsumerInfo, sinceMs: number): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = { processed: 0, duplicate: 0, retry: 0, quarantined: 0 };
  await forEachLogLine(logs, consumer.logGroupName, sinceMs, '"outcome"', (line) => {
    const match = /"outcome":"(processed|duplicate|retry|quarantined)"/.exec(line);
    if (match) counts[match[1] as Outcome] += 1;
  });
  return counts;
}
