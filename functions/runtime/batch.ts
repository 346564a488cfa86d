import type { SQSRecord } from 'aws-lambda';

/** SQS FIFO event sources are queues whose name ends in `.fifo`. */
export const isFifo = (records: readonly SQSRecord[]): boolean => records[0]?.eventSourceARN?.endsWith('.fifo') ?? false;

/**
 * Work units for the scheduler: every record alone on a standard queue; on a FIFO queue one unit per
 * message group, records in arrival order, so groups can overlap but a group never runs out of order.
 */
export function units<T extends { record: SQSRecord }>(items: readonly T[], fifo: boolean): T[][] {
  if (!fifo) return items.map((item) => [item]);
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = item.record.attributes.MessageGroupId ?? '';
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  return [...groups.values()];
}

/** Runs `run` over `items` with at most `limit` in flight, starting them in order. `run` must not throw. */
export async function forEachBounded<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
