import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { consumer, dynamoClient, requiredEnv } from 'courier/runtime';
import { SequenceSteppedV1 } from './events';

const RUNS = requiredEnv('RUNS_TABLE');

/** Atomically increments a counter item and returns the new value. */
async function next(pk: string, signal: AbortSignal): Promise<number> {
  const out = await dynamoClient().send(
    new UpdateItemCommand({ TableName: RUNS, Key: marshall({ pk }), UpdateExpression: 'ADD n :one', ExpressionAttributeValues: marshall({ ':one': 1 }), ReturnValues: 'UPDATED_NEW' }),
    { abortSignal: signal },
  );
  return Number(out.Attributes!.n!.N);
}

/**
 * The FIFO e2e consumer: records every handler run (`RUN#<run_id>#<seq>`: step, attempt) in the order it
 * happened, and fails a step its first `fail_times` attempts. Recording is deliberately not exactly-once:
 * the test reads every run, retries included.
 */
export const handler = consumer({
  events: [SequenceSteppedV1],
  handle: async ({ detail }, { signal }) => {
    const attempt = await next(`ATTEMPTS#${detail.run_id}#${detail.step}`, signal);
    const seq = await next(`SEQ#${detail.run_id}`, signal);
    const failed = attempt <= detail.fail_times;
    await dynamoClient().send(
      new PutItemCommand({ TableName: RUNS, Item: marshall({ pk: `RUN#${detail.run_id}#${String(seq).padStart(6, '0')}`, run_id: detail.run_id, seq, step: detail.step, attempt, failed }) }),
      { abortSignal: signal },
    );
    if (failed) throw new Error(`planned failure of step ${detail.step} (attempt ${attempt} of ${detail.fail_times})`);
  },
});
