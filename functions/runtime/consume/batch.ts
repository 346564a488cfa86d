import type { SQSRecord } from 'aws-lambda';

/** SQS FIFO event sources are queues whose name ends in `.fifo`. */
export const isFifo = (records: readonly SQSRecord[]): boolean => records[0]?.eventSourceARN?.endsWith('.fifo') ?? false;

/**
 * Work units for the scheduler: records with the same group key form one unit, in arrival order, so they
 * never run concurrently or out of order; a record without a key is a unit alone. Groups are the FIFO
 * message group on FIFO queues, or the consumer's ordering key on standard queues.
 */
export function units<T>(items: readonly T[], groupOf: (item: T) => string | undefined): T[][] {
  const groups = new Map<string, T[]>();
  const out: T[][] = [];
  for (const item of items) {
    const key = groupOf(item);
    if (key === undefined) {
      out.push([item]);
      continue;
    }
    const group = groups.get(key);
    if (group) group.push(item);
    else {
      const fresh = [item];
      groups.set(key, fresh);
      out.push(fresh);
    }
  }
  return out;
}
