import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { buildEvent, outgoing } from 'courier/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type LocalSystem } from '../../scripts/local/system';
import { SequenceSteppedV1 } from './extras/events';
import { deployExtras, destroyExtras } from './extras/deploy';
import { FIFO_CONSUMER as CONSUMER, FIFO_STACK as STACK } from './extras/names';

/**
 * Issue 12 item 1: a FIFO consumer end to end on the local engine, in a stack of the suite's own
 * (test/e2e/extras/app.ts) beside the reference app. Its queue must really be FIFO with content-based
 * deduplication (AWS delivers nothing to a FIFO target without it), steps of the message group must run in
 * order, and a failing step must hold back the steps after it: they are not run, and come back in order
 * once it succeeds.
 */
let sys: LocalSystem;
let runsTable: string;

beforeAll(async () => {
  const reference = await connect(inject('endpoint'));
  const { outputs } = await deployExtras(reference, STACK);
  runsTable = outputs.RunsTable!;
  sys = await connect(inject('endpoint'));
}, 600_000);
afterAll(() => {
  if (sys) destroyExtras(sys, STACK);
}, 600_000);

/** Every handler run of `runId`, in the order they happened. */
async function runs(runId: string): Promise<{ step: number; attempt: number; failed: boolean }[]> {
  const { Items = [] } = await sys.clients.dynamodb.send(new ScanCommand({ TableName: runsTable, ConsistentRead: true }));
  return Items.map((i) => unmarshall(i))
    .filter((r) => String(r.pk).startsWith(`RUN#${runId}#`))
    .sort((a, b) => a.seq - b.seq)
    .map((r) => ({ step: r.step, attempt: r.attempt, failed: r.failed }));
}

describe('a FIFO consumer on the local engine', () => {
  it('reads back a FIFO queue with content-based deduplication, a standard target DLQ, and the message group on the rule target', async () => {
    const c = sys.consumer(CONSUMER);
    const attributes = async (url: string) =>
      (await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    expect(await attributes(c.queueUrl)).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    expect((await attributes(c.dlqUrl)).FifoQueue).toBe('true');
    expect((await attributes(c.targetDlqUrl)).FifoQueue).toBeUndefined();
    const { Targets = [] } = await sys.clients.events.send(new ListTargetsByRuleCommand({ Rule: c.ruleName, EventBusName: sys.deployment.bus!.busName }));
    expect(Targets.map((t) => t.SqsParameters)).toEqual([{ MessageGroupId: CONSUMER }]);
  });

  it('runs the group in order; a failing step holds back the later ones, which are not run and then retried in order', { timeout: 180_000 }, async () => {
    const runId = `fifo-${Date.now().toString(36)}`;
    const failing = 3;
    const steps = Array.from({ length: 8 }, (_, i) => i + 1);
    const entries = steps.map((step) => {
      const built = buildEvent(outgoing(SequenceSteppedV1, { run_id: runId, step, fail_times: step === failing ? 1 : 0 }), Date.now());
      if (!built.ok) throw built.error;
      return { ...built.value.entry, EventBusName: sys.deployment.bus!.busName };
    });
    const put = await sys.clients.events.send(new PutEventsCommand({ Entries: entries }));
    expect(put.FailedEntryCount ?? 0).toBe(0);

    // the failed step comes back after the queue's visibility timeout (6 × the function's 5 s)
    await expect.poll(async () => (await runs(runId)).filter((r) => !r.failed).length, { timeout: 150_000, interval: 2_000 }).toBe(steps.length);
    const seen = await runs(runId);
    expect(seen.map((r) => r.step)).toEqual([1, 2, 3, 3, 4, 5, 6, 7, 8]);
    expect(seen[2]).toEqual({ step: failing, attempt: 1, failed: true });
    expect(seen[3]).toEqual({ step: failing, attempt: 2, failed: false });
    // nothing after the failed step ran before its retry succeeded, and nothing ran twice
    expect(seen.filter((r) => r.step > failing).every((r) => r.attempt === 1)).toBe(true);
  });
});
