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
