import { ChangeMessageVisibilityBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../functions/runtime/support/log';
import { delayRetries, queueUrlFromArn, retryDelaySeconds } from '../../../functions/runtime/consume/retry-delay';
import { sqsRecord } from './helpers';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const quiet = createLogger({}, () => {});

describe('retry delay', () => {
  it('doubles per receive from the base, with equal jitter, up to the cap', () => {
    const backoff = { baseSeconds: 5, maxSeconds: 900 };
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, backoff, () => 1))).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, backoff, () => 0))).toEqual([3, 5, 10, 20]);
    expect(retryDelaySeconds(20, backoff, () => 1)).toBe(900);
  });

  it('never answers less than 1 s (a visibility of 0 would bring the record back at once)', () => {
    // half of a 0.5 s ceiling rounds to 0 without the floor
    expect(retryDelaySeconds(1, { baseSeconds: 0.5, maxSeconds: 900 }, () => 0)).toBe(1);
    expect(retryDelaySeconds(1, { baseSeconds: 0.5, maxSeconds: 900 }, () => 1)).toBe(1);
  });

  it('derives the queue URL from the event source ARN', () => {
    expect(queueUrlFromArn('arn:aws:sqs:eu-west-1:123456789012:orders')).toBe('https://sqs.eu-west-1.amazonaws.com/123456789012/orders');
    expect(queueUrlFromArn('arn:aws-cn:sqs:cn-north-1:123456789012:q')).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q');
  });

  it('sets each record’s visibility from its receive count, per queue, and never throws', async () => {
    sqs.on(ChangeMessageVisibilityBatchCommand).resolvesOnce({ Successful: [], Failed: [] }).rejects(new Error('down'));
    const first = { ...sqsRecord('{}'), receiptHandle: 'rh-1', attributes: { ...sqsRecord('{}').attributes, ApproximateReceiveCount: '3' } };
    const other = { ...sqsRecord('{}'), receiptHandle: 'rh-2', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:other' };
    await delayRetries(new SQSClient({ region: 'us-east-1' }), [first, other], { baseSeconds: 4, maxSeconds: 60 }, quiet);
    const calls = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    const [entry] = calls[0]!.Entries!;
    expect(entry!.ReceiptHandle).toBe('rh-1');
    expect(entry!.VisibilityTimeout).toBeGreaterThanOrEqual(8);
    expect(entry!.VisibilityTimeout).toBeLessThanOrEqual(16);
    expect(calls[1]!.QueueUrl).toMatch(/\/000000000000\/other$/);
  });
});
