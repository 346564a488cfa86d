import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteMessages, moveMessages } from '../../../bin/cli/move-messages';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });
const msg = (n: number, errorClass = 'ContractViolation') => ({
  MessageId: `m${n}`,
  ReceiptHandle: `rh${n}`,
  Body: `{"n":${n}}`,
  MessageAttributes: { 'courier.error_class': { DataType: 'String', StringValue: errorClass } },
});
const errorClassOf = (m: { MessageAttributes?: Record<string, { StringValue?: string }> }) => m.MessageAttributes?.['courier.error_class']?.StringValue;
const acceptAll = (input: { Entries: { Id: string }[] }) => ({ Successful: input.Entries.map((e) => ({ Id: e.Id })) });

describe('moveMessages', () => {
  beforeEach(() => sqs.reset());

  it('sends then deletes, keeping bodies and attributes, and stops at max', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2)] }).resolves({ Messages: [msg(3)] });
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })) }));
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [] });
    const result = await moveMessages(client, { from: 'dlq', to: 'src', max: 3 });
    expect(result).toEqual({ moved: 3, failed: [], skipped: 0 });
    const sent = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(sent.QueueUrl).toBe('src');
    expect(sent.Entries![0]).toMatchObject({ MessageBody: '{"n":1}', MessageAttributes: msg(1).MessageAttributes });
    expect(sqs.commandCalls(ReceiveMessageCommand)[1]!.args[0].input.MaxNumberOfMessages).toBe(1);
  });

  it('never deletes a message the target did not accept', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2)] }).resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '1', MessageId: 'x', MD5OfMessageBody: '' }], Failed: [{ Id: '0', Code: 'Throttled', SenderFault: false }] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const result = await moveMessages(client, { from: 'dlq', to: 'src', max: 10 });
    expect(result.moved).toBe(1);
    expect(result.failed).toEqual([{ messageId: 'm1', reason: 'Throttled: ' }]);
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries!;
    expect(deleted.map((e) => e.ReceiptHandle)).toEqual(['rh2']);
  });

  it('deletes nothing when the send call itself fails', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [msg(1)] });
    sqs.on(SendMessageBatchCommand).rejects(new Error('network down'));
    await expect(moveMessages(client, { from: 'dlq', to: 'src', max: 5 })).rejects.toThrow('network down');
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('stops after two empty receives and honours the rate', async () => {
    const sleeps: number[] = [];
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2)] }).resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({ Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })) }));
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const result = await moveMessages(client, { from: 'dlq', to: 'src', max: 100, rate: 1, sleep: async (ms) => { sleeps.push(ms); } });
    expect(result.moved).toBe(2);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(1900);
  });

  it('gives FIFO targets a group and deduplication id', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [{ ...msg(1), Attributes: { MessageGroupId: 'g1' } }] }).resolves({});
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }] });
    sqs.on(DeleteMessageBatchCommand).resolves({});
    await moveMessages(client, { from: 'dlq.fifo', to: 'src.fifo', max: 1 });
    expect(sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries![0]).toMatchObject({ MessageGroupId: 'g1', MessageDeduplicationId: 'm1' });
  });

  it('moves only the selected subset and releases the others at once, each received once', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [msg(1), msg(2, 'RedriveExhausted'), msg(3)] })
      // a held message whose visibility ran out comes back with a new handle: not counted twice, released by its newest handle
      .resolvesOnce({ Messages: [{ ...msg(2, 'RedriveExhausted'), ReceiptHandle: 'rh2-again' }, msg(4, 'RedriveExhausted')] })
      .resolves({});
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const result = await moveMessages(client, { from: 'dlq', to: 'src', max: 4, select: (m) => errorClassOf(m) === 'ContractViolation' });
    expect(result).toEqual({ moved: 2, failed: [], skipped: 2 });
    expect(sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries!.map((e) => e.MessageBody))).toEqual(['{"n":1}', '{"n":3}']);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(released.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual([['rh2-again', 0], ['rh4', 0]]);
  });

  it('stops at the limit: one message by id, without reading the rest of the queue', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2)] }).resolves({ Messages: [msg(3)] });
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const result = await moveMessages(client, { from: 'dlq', to: 'src', max: 100, select: (m) => m.MessageId === 'm2', limit: 1 });
    expect(result).toEqual({ moved: 1, failed: [], skipped: 1 });
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries!.map((e) => e.ReceiptHandle)).toEqual(['rh2']);
  });

  it('releases the held messages even when the action fails', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [msg(1), msg(2)] });
    sqs.on(SendMessageBatchCommand).rejects(new Error('network down'));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    await expect(moveMessages(client, { from: 'dlq', to: 'src', max: 5, select: (m) => m.MessageId === 'm1' })).rejects.toThrow('network down');
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries!.map((e) => e.ReceiptHandle)).toEqual(['rh2']);
  });
});

describe('deleteMessages', () => {
  beforeEach(() => sqs.reset());

  it('deletes the selected message only and reports one whose delete failed', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1), msg(2)] }).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    expect(await deleteMessages(client, { from: 'dlq', max: 2, select: (m) => m.MessageId === 'm2', limit: 1 })).toEqual({ done: 1, failed: [], skipped: 1 });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({ QueueUrl: 'dlq', Entries: [{ Id: '0', ReceiptHandle: 'rh2' }] });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);

    sqs.reset();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [msg(1)] }).resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    expect(await deleteMessages(client, { from: 'dlq', max: 1 })).toEqual({ done: 0, failed: [{ messageId: 'm1', reason: 'ReceiptHandleIsInvalid' }], skipped: 0 });
  });
});
