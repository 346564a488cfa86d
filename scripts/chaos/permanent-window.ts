import { queueDepth } from '../../bin/cli/dlq';
import type { LocalSystem } from '../local/system';
import { configureFaults } from './fault-settings';
import { placeOrders, type PlacedOrder } from './load';
import { setMaxReceiveCount } from './max-receive-count';
import { settle } from './settle';

/**
 * The permanent fault window: a bug is deployed to one consumer (COURIER_FAULTS `permanent` there: every
 * record fails with an ordinary error), orders keep coming, and the consumer's messages end up in its DLQ
 * after `maxReceiveCount` receives. Then the bug is fixed (faults off) — and the caller redrives the DLQ
 * with `courier dlq redrive`, as an operator would. The window compresses the time to the DLQ (see
 * max-receive-count.ts) and restores the queue's redrive policy afterwards, read back.
 */
export interface PermanentWindowOptions {
  /** The consumer with the bug. */
  consumer: string;
  /** Orders placed while the bug is deployed. */
  orders: number;
  /** The index of the first of them in the run's order mix (after the main load's). */
  firstOrder: number;
  /** Receives before SQS moves a message to the DLQ during the window (the construct's floor is 5). */
  maxReceiveCount: number;
  pace: { concurrency: number; perSecond: number };
  seed: number;
  deadline: number;
  log: (line: string) => void;
}

export interface PermanentWindowResult {
  consumer: string;
  placed: PlacedOrder[];
  /** Messages in the consumer's DLQ when the bug was fixed. */
  dlqDepth: number;
  /** When the bug was deployed and fixed (ISO), for the replay of the window. */
  from: string;
  to: string;
  seconds: number;
  /** Still in motion when the window's wait ran out of budget. */
  unsettled?: string;
}

export async function runPermanentWindow(sys: LocalSystem, runId: string, options: PermanentWindowOptions): Promise<PermanentWindowResult> {
  const { consumer, log } = options;
  const started = Date.now();
  const restore = await setMaxReceiveCount(sys, consumer, options.maxReceiveCount);
  let placed: PlacedOrder[] = [];
  let unsettled: string | undefined;
  try {
    await configureFaults(sys, { consumers: {}, relays: {}, permanent: consumer, seed: options.seed });
    log(`permanent window: a bug deployed to ${consumer} (every record fails; maxReceiveCount ${options.maxReceiveCount} during the window, read back)`);
    placed = await placeOrders(sys, options.orders, { ...options.pace, first: options.firstOrder }, `${runId}-bug`);
    // everything else drains; the buggy consumer's messages leave its queue only for its DLQ
    const drained = await settle(sys, { deadline: options.deadline, log });
    if (!drained.quiet) unsettled = `permanent window: ${JSON.stringify(drained.last)}`;
  } finally {
    await configureFaults(sys, undefined);
    await restore();
    log(`permanent window: ${consumer} fixed (faults off, redrive policy restored, both read back)`);
  }
  const { depth } = await queueDepth(sys.clients.sqs, sys.consumer(consumer).dlqUrl, Date.now(), false);
  log(`permanent window: ${placed.length} orders placed under the bug; ${depth} messages in ${consumer}'s DLQ`);
  return { consumer, placed, dlqDepth: depth, from: new Date(started).toISOString(), to: new Date().toISOString(), seconds: (Date.now() - started) / 1000, ...(unsettled ? { unsettled } : {}) };
}
