import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../../functions/contracts/conventions';
import { quarantine } from '../../../functions/runtime/consume/dlq';
import { PermanentError } from '../../../functions/runtime/consume/errors';
import { DLQ_URL, orderRecord } from './helpers';

const sqs = mockClient(SQSClient);
beforeEach(() => sqs.reset());

describe('quarantine: the DLQ copy', () => {
  it('carries at most 10 message attributes (SQS refuses more), courier’s reason first, when the record arrives with 10 of its own', async () => {
    sqs.on(SendMessageCommand).callsFake((input) => {
      if (Object.keys(input.MessageAttributes ?? {}).length > 10) throw Object.assign(new Error('Number of message attributes [11] exceeds the allowed maximum [10].'), { name: 'InvalidParameterValue' });
      return { MessageId: 'dlq-1' };
    });
    const record = orderRecord();
    record.messageAttributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i): [string, SQSMessageAttributes[string]] => [`own-${i}`, { dataType: 'String', stringValue: `v${i}`, stringListValues: [], binaryListValues: [] }]),
    );
    await quarantine(new SQSClient({}), DLQ_URL, record, { error: new PermanentError('bad'), consumer: 'c', detailType: 'order.created.v1', eventId: 'evt-1' });
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageAttributes!;
    expect(Object.keys(sent)).toHaveLength(10);
    for (const name of Object.values(DLQ_ATTRIBUTES)) expect(sent[name]?.StringValue, name).toBeTruthy();
    expect(sent['own-0']).toEqual({ DataType: 'String', StringValue: 'v0' });
  });
});
