import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ConsumerInfo } from '../../bin/cli/discovery';

export type Outcome = 'processed' | 'duplicate' | 'retry' | 'quarantined';

/** Calls `onLine` with every log line of a group since `sinceMs` that matches a CloudWatch filter pattern. */
export async function forEachLogLine(logs: CloudWatchLogsClient, logGroupName: string, sinceMs: number, filterPattern: string, onLine: (line: string) => void): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: sinceMs, filterPattern, nextToken }));
    for (const event of page.events ?? []) onLine(event.message ?? '');
    nextToken = page.nextToken;
  } while (nextToken);
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
