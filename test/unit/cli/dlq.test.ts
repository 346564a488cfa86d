import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { dlqList, dlqRedrive, dlqShow, isUnsupportedOperation, renderDlqList, renderDlqShow, renderRedrive } from '../../../bin/cli/dlq';
import { main } from '../../../bin/cli/main';
import { deployment, fakeQueues, mocks, NOW, resetMocks, testContext } from './fixture';

const d = deployment();
const inv = d.consumers[0]!;

const attrs = (name: string, value: string) => ({ [name]: { DataType: 'String', StringValue: value } });
function poison(n: number, errorClass = 'ContractViolation'): Message {
  return {
    MessageId: `m${n}`,
    ReceiptHandle: `rh${n}`,
    Body: JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: `e${n}`, order_id: `ord_${n}` } }),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(NOW - 120_000 * n) },
    MessageAttributes: {
      ...attrs('courier.error_class', errorClass),
      ...attrs('courier.error_message', `lines[0].qty: expected >= 1 (${n})`),
      ...attrs('courier.consumer', 'inventory-orders'),
      ...attrs('courier.first_failed_at', '2026-01-15T11:50:00.000Z'),
      ...attrs('courier.detail_type', 'order.created.v1'),
      ...attrs('courier.event_id', `e${n}`),
    },
  };
}
const crashed: Message = {
  MessageId: 'c1',
  ReceiptHandle: 'rhc1',
  Body: JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: 'e9', order_id: 'ord_9' } }),
  Attributes: { ApproximateReceiveCount: '5', SentTimestamp: String(NOW - 30_000) },
};

function depths(byUrl: Record<string, number>, extra: Record<string, string> = {}) {
  mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { ApproximateNumberOfMessages: String(byUrl[input.QueueUrl] ?? 0), ApproximateNumberOfMessagesNotVisible: '0', ...extra },
  }));
}
const alarmState = (state: string) => mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: inv.alarms.errors, StateValue: state as 'OK', StateReason: 'Threshold Crossed' }] });

describe('dlq list', () => {
  beforeEach(() => resetMocks());

  it('lists every consumer DLQ, target DLQ and relay DLQ with depth and the oldest age from a peek', async () => {
    depths({ [inv.dlqUrl]: 2 });
    mocks.sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [poison(1), poison(2)] }).resolves({});
    mocks.sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const { ctx } = testContext();
    const rows = await dlqList(ctx);
    expect(rows.map((r) => `${r.owner}/${r.kind}`)).toEqual([
      'inventory-orders/dlq',
      'inventory-orders/target-dlq',
      'orders-progress/dlq',
      'orders-progress/target-dlq',
      'orders-outbox/relay-dlq',
    ]);
    expect(rows[0]).toMatchObject({ depth: 2, service: 'inventory', ageSource: 'peek', oldestAgeSeconds: 240, queueName: 'InventoryOrdersDlq' });
    // peeked messages are released at once
    expect(mocks.sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries!.every((e) => e.VisibilityTimeout === 0)).toBe(true);
    const text = renderDlqList(rows);
    expect(text).toMatch(/inventory-orders\s+inventory\s+dlq\s+2\s+0\s+4m00s/);
    expect(text).toContain('2 message(s) in 1 queue(s)');
  });

  it('uses ApproximateAgeOfOldestMessage when the engine reports it, without peeking', async () => {
    depths({ [inv.targetDlqUrl]: 1 }, { ApproximateAgeOfOldestMessage: '3600' });
    const { ctx } = testContext();
    const rows = await dlqList(ctx);
    expect(rows[1]).toMatchObject({ kind: 'target-dlq', depth: 1, oldestAgeSeconds: 3600, ageSource: 'attribute' });
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('says so when everything is empty, and prints JSON with --json', async () => {
    depths({});
    const a = testContext();
    expect(await main(['dlq', 'list'], a.ctx)).toBe(0);
    expect(a.out.stdout).toContain('all dead-letter queues are empty');
    const b = testContext();
    expect(await main(['dlq', 'list', '--json'], b.ctx)).toBe(0);
    expect(JSON.parse(b.out.stdout)).toHaveLength(5);
  });
});

describe('dlq show', () => {
  beforeEach(() => resetMocks());

  it('groups by error class with counts, reasons, detail-type, event_id, business key, first-failed time, receives', async () => {
    depths({ [inv.dlqUrl]: 3 });
    mocks.sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [poison(1), crashed, poison(2)] }).resolves({});
    mocks.sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const { ctx } = testContext();
    const result = await dlqShow(ctx, 'inventory-orders', { limit: 10 });
    expect(result.depth).toBe(3);
    expect(result.groups.map((g) => [g.errorClass, g.count])).toEqual([
      ['ContractViolation', 2],
      ['RedriveExhausted', 1],
    ]);
    expect(result.groups[0]!.messages[0]).toMatchObject({ eventId: 'e1', businessKey: 'ord_1', detailType: 'order.created.v1', firstFailedAt: '2026-01-15T11:50:00.000Z', receiveCount: 1 });
    const text = renderDlqShow(result);
    expect(text).toContain('ContractViolation × 2');
    expect(text).toContain('reason: lines[0].qty: expected >= 1 (1)');
    expect(text).toContain('RedriveExhausted × 1');
    expect(text).toContain('no runtime verdict');
    expect(text).toContain('bad payload');
    expect(text).toContain('courier dlq redrive inventory-orders');
  });

  it('reads the target DLQ with --target, or by its queue name, and relay DLQs by <service>-outbox', async () => {
    depths({});
    const { ctx } = testContext();
    expect((await dlqShow(ctx, 'inventory-orders', { target: true })).queue).toMatchObject({ kind: 'target-dlq', name: 'InventoryOrdersTargetDlq' });
    expect((await dlqShow(ctx, 'InventoryOrdersTargetDlq')).queue.kind).toBe('target-dlq');
    expect((await dlqShow(ctx, inv.dlqUrl)).queue.kind).toBe('dlq');
    expect((await dlqShow(ctx, 'orders-outbox')).queue).toMatchObject({ kind: 'relay-dlq', owner: 'orders outbox relay' });
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('prints JSON with --json and honours --limit', async () => {
    depths({ [inv.dlqUrl]: 5 });
    mocks.sqs.on(ReceiveMessageCommand).resolves({ Messages: [poison(1)] });
    mocks.sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'show', 'inventory-orders', '--limit', '1', '--json'], ctx)).toBe(0);
    const parsed = JSON.parse(out.stdout);
    expect(parsed.shown).toBe(1);
    expect(parsed.groups[0].messages[0].body).toContain('ord_1');
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.MaxNumberOfMessages).toBe(1);
  });
});

describe('dlq redrive', () => {
  beforeEach(() => resetMocks());

  it('refuses while the errors alarm is in ALARM (exit 1) and goes ahead with --force', async () => {
    alarmState('ALARM');
    depths({ [inv.dlqUrl]: 1 });
    fakeQueues({ [inv.dlqUrl]: [poison(1)] });
    mocks.sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
    mocks.sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1, ApproximateNumberOfMessagesToMove: 1 }] });
    const a = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders'], a.ctx)).toBe(1);
    expect(a.out.stderr).toContain('inventory-orders is still failing: alarm inventory-orders-function-errors is in ALARM');
    expect(a.out.stderr).toContain('--force');
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    expect(mocks.cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input.AlarmNames).toEqual(['inventory-orders-function-errors']);

    const b = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--force'], b.ctx)).toBe(0);
    expect(b.out.stdout).toContain('moved 1 of 1');
  });

  it('uses StartMessageMoveTask DLQ → source queue with the rate, and polls it to the end', async () => {
    alarmState('OK');
    depths({ [inv.dlqUrl]: 4 });
    fakeQueues({ [inv.dlqUrl]: [poison(1), poison(2), poison(3), poison(4)] });
    mocks.sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
    mocks.sqs
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 4 }] })
      .resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 4, ApproximateNumberOfMessagesToMove: 4 }] });
    const progress: number[] = [];
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'inventory-orders', { rate: 5, onProgress: (m) => progress.push(m), pollMs: 1 });
    expect(r).toMatchObject({ method: 'message-move-task', moved: 4, depth: 4, failed: [] });
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({ SourceArn: inv.dlqArn, DestinationArn: inv.queueArn, MaxNumberOfMessagesPerSecond: 5 });
    expect(progress).toEqual([2, 4]);
  });

  it('falls back to receive/send/delete when the engine has no move tasks (InvalidAction), with a progress bar on a TTY', async () => {
    alarmState('INSUFFICIENT_DATA');
    depths({ [inv.dlqUrl]: 2 });
    mocks.sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('The action StartMessageMoveTask is not valid for this endpoint.'), { name: 'InvalidAction' }));
    fakeQueues({ [inv.dlqUrl]: [poison(1), poison(2)] });
    const { ctx, out } = testContext({ isTTY: true });
    expect(await main(['dlq', 'redrive', 'inventory-orders'], ctx)).toBe(0);
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.QueueUrl).toBe(inv.queueUrl);
    expect(out.stdout).toContain('moved 2 of 2');
    expect(out.stdout).toContain('receive-send-delete');
    expect(out.stdout).toContain('StartMessageMoveTask unavailable (InvalidAction)');
    expect(out.stderr).toContain('redrive [##############################] 2/2');
  });

  it('does not fall back on other errors', async () => {
    alarmState('OK');
    depths({ [inv.dlqUrl]: 2 });
    fakeQueues({ [inv.dlqUrl]: [poison(1), poison(2)] });
    mocks.sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const { ctx } = testContext();
    await expect(dlqRedrive(ctx, 'inventory-orders')).rejects.toThrow('denied');
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('moves a target DLQ to the queue with receive/send/delete', async () => {
    alarmState('OK');
    depths({ [inv.targetDlqUrl]: 1 });
    // sent an hour ago: not recent inflow, so the guard lets it through
    fakeQueues({ [inv.targetDlqUrl]: [{ ...crashed, Attributes: { ...crashed.Attributes, SentTimestamp: String(NOW - 3_600_000) } }] });
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'inventory-orders', { target: true });
    expect(r).toMatchObject({ method: 'receive-send-delete', moved: 1, queue: { kind: 'target-dlq' } });
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    expect(mocks.sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.QueueUrl).toBe(inv.targetDlqUrl);
  });

  it('--dry-run says how many and which error classes would move, and moves nothing (even in ALARM)', async () => {
    alarmState('ALARM');
    depths({ [inv.dlqUrl]: 3 });
    fakeQueues({ [inv.dlqUrl]: [poison(1), poison(2), crashed] });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--dry-run'], ctx)).toBe(0);
    expect(out.stdout).toContain('dry run: would move 3 message(s)');
    expect(out.stdout).toContain('ContractViolation × 2');
    expect(out.stdout).toContain('RedriveExhausted × 1');
    expect(out.stdout).toContain('would be refused without --force');
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
  });

  it('refuses messages older than the consumer\'s idempotency horizon (exit 2) unless --force, and a dry run says so', async () => {
    alarmState('OK');
    depths({ [inv.dlqUrl]: 2 });
    const old = poison(2);
    old.Body = JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: 'e2', order_id: 'ord_2', occurred_at: new Date(NOW - 40 * 86_400_000).toISOString() } });
    fakeQueues({ [inv.dlqUrl]: [poison(1), old] });
    mocks.sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 't' });
    mocks.sqs.on(ListMessageMoveTasksCommand).resolves({ Results: [{ Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: 2 }] });
    const horizon = { ...d, consumers: d.consumers.map((c) => ({ ...c, idempotencyHorizonSeconds: 31 * 86_400 })) };

    const refused = testContext({ deployment: horizon });
    expect(await main(['dlq', 'redrive', 'inventory-orders'], refused.ctx)).toBe(2);
    expect(refused.out.stderr).toContain('redrive refused: the oldest message in the DLQ is 40 days old; inventory-orders keeps idempotency markers for 31 days');
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);

    const dry = testContext({ deployment: horizon });
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--dry-run'], dry.ctx)).toBe(0);
    expect(dry.out.stdout).toContain('horizon: the oldest message in the DLQ is 40 days old');

    const forced = testContext({ deployment: horizon });
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--force'], forced.ctx)).toBe(0);
    expect(forced.out.stdout).toContain('moved 2 of 2');
    expect(forced.out.stdout).toContain('the oldest message in the DLQ is 40 days old');
  });

  it('reports an empty DLQ and refuses relay DLQs with the outbox hint', async () => {
    alarmState('OK');
    depths({});
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'orders-progress');
    expect(r.method).toBe('nothing-to-move');
    expect(renderRedrive(r)).toContain('empty');
    await expect(dlqRedrive(ctx, 'orders-outbox')).rejects.toMatchObject({ exitCode: 1, hint: expect.stringContaining('courier outbox retry --service orders') });
  });

  it('exits 1 when some messages could not be moved', async () => {
    alarmState('OK');
    depths({ [inv.dlqUrl]: 1 });
    mocks.sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('x'), { name: 'UnsupportedOperation' }));
    fakeQueues({ [inv.dlqUrl]: [poison(1)] });
    mocks.sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'Throttled', SenderFault: false }] });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--rate', '10'], ctx)).toBe(1);
    expect(out.stdout).toContain('not moved: m1: Throttled');
  });

  it('recognises unsupported-operation errors', () => {
    expect(isUnsupportedOperation({ name: 'InvalidAction' })).toBe(true);
    expect(isUnsupportedOperation({ name: 'UnknownOperationException' })).toBe(true);
    expect(isUnsupportedOperation(new Error('Unknown operation StartMessageMoveTask'))).toBe(true);
    expect(isUnsupportedOperation({ name: 'AccessDenied', message: 'no' })).toBe(false);
  });
});
