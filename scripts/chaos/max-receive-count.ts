import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalSystem } from '../local/system';

/**
 * Sets `maxReceiveCount` in the redrive policy of a consumer's queue on the local engine and reads it
 * back; returns the function that puts the original back (also read back). For the chaos run's permanent
 * window only: with the construct's 10 receives and the runtime's retry backoff (5 s doubling), a bug's
 * messages reach the DLQ after ≈ 40 minutes; the window compresses that time, not the path (the same
 * redrive, the same DLQ, the same `courier dlq redrive`).
 */
export async function setMaxReceiveCount(sys: LocalSystem, consumer: string, count: number): Promise<() => Promise<void>> {
  const { queueUrl } = sys.consumer(consumer);
  const read = async () => {
    const { Attributes = {} } = await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
    if (!Attributes.RedrivePolicy) throw new Error(`${consumer}: its queue has no redrive policy`);
    return JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  };
  const write = async (policy: { deadLetterTargetArn: string; maxReceiveCount: number | string }, wanted: number) => {
    await sys.clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { RedrivePolicy: JSON.stringify({ ...policy, maxReceiveCount: wanted }) } }));
    const now = await read();
    if (Number(now.maxReceiveCount) !== wanted || now.deadLetterTargetArn !== policy.deadLetterTargetArn) {
      throw new Error(`${consumer}: redrive policy reads back ${JSON.stringify(now)}, wanted maxReceiveCount ${wanted} to ${policy.deadLetterTargetArn}`);
    }
  };
  const original = await read();
  await write(original, count);
  return () => write(original, Number(original.maxReceiveCount));
}
