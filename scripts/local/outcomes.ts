import { FilterLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ConsumerInfo } from '../../bin/cli/discovery';

export type Outcome = 'processed' | 'duplicate' | 'retry' | 'quarantined';

/**
 * Counts the runtime's per-record outcome log lines (`"outcome":"…"`) in a consumer's log group since
 * `sinceMs`: how many records it processed, suppressed as duplicates, retried and quarantined.
 */
export async function consumerOutcomes(logs: CloudWatchLogsClient, consumer: ConsumerInfo, sinceMs: number): Promise<Record<Outcome, number>> {
  const counts: Record<Outcome, number> = { processed: 0, duplicate: 0, retry: 0, quarantined: 0 };
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({ logGroupName: consumer.logGroupName, startTime: sinceMs, filterPattern: '"outcome"', nextToken }),
    );
    for (const event of page.events ?? []) {
      const match = /"outcome":"(processed|duplicate|retry|quarantined)"/.exec(event.message ?? '');
      if (match) counts[match[1] as Outcome] += 1;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return counts;
}
