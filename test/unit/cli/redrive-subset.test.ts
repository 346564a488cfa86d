import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageBatchCommand, StartMessageMoveTaskCommand, type Message } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { dlqDelete, dlqExport, dlqRedrive, renderRedrive } from '../../../bin/cli/dlq';
import { main } from '../../../bin/cli/main';
import { deployment, fakeQueues, mocks, NOW, resetMocks, testContext } from './fixture';

const inv = deployment().consumers[0]!;
const minutesAgo = (n: number) => NOW - n * 60_000;
const s = (v: string) => ({ DataType: 'String', StringValue: v });

/** A message the runtime quarantined `failedMinutesAgo` minutes ago (courier.first_failed_at is the quarantine time). */
function quarantined(id: string, errorClass: string, failedMinutesAgo: number): Message {
  return {
    MessageId: id,
    Body: JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: `e-${id}`, order_id: `ord-${id}` } }),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(minutesAgo(failedMinutesAgo)) },
    MessageAttributes: {
      'courier.error_class': s(errorClass),
      'courier.error_message': s(`${errorClass} on ${id}`),
      'courier.first_failed_at': s(new Date(minutesAgo(failedMinutesAgo)).toISOString()),
    },
  };
}
/** SQS moved it after maxReceiveCount deliveries: no courier.* attributes; SentTimestamp is the original enqueue. */
const exhausted = (id: string, sentMinutesAgo: number): Message => ({
  MessageId: id,
  Body: JSON.stringify({ 'detail-type': 'order.created.v1', detail: { event_id: `e-${id}`, order_id: `ord-${id}` } }),
  Attributes: { ApproximateReceiveCount: '10', SentTimestamp: String(minutesAgo(sentMinutesAgo)) },
});

function given(opts: { messages: Message[]; alarm?: string; metrics?: { quarantined?: [number, number][]; transient_failures?: [number, number][] }; updatedMinutesAgo?: number }) {
  const queues = fakeQueues({ [inv.dlqUrl]: opts.messages, [inv.queueUrl]: [] });
  mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { ApproximateNumberOfMessages: String(queues.get(input.QueueUrl)?.length ?? 0), ApproximateNumberOfMessagesNotVisible: '0' },
  }));
  mocks.sqs.on(StartMessageMoveTaskCommand).rejects(Object.assign(new Error('not valid for this endpoint'), { name: 'InvalidAction' }));
  mocks.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: inv.alarms.errors, StateValue: (opts.alarm ?? 'OK') as 'OK' }] });
  const series = (points: [number, number][] = []) => ({ Timestamps: points.map(([m]) => new Date(minutesAgo(m))), Values: points.map(([, v]) => v) });
  mocks.cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'm0', Label: 'quarantined', ...series(opts.metrics?.quarantined) },
      { Id: 'm1', Label: 'transient_failures', ...series(opts.metrics?.transient_failures) },
    ],
  });
  mocks.lambda.on(GetFunctionConfigurationCommand).resolves({ LastModified: new Date(minutesAgo(opts.updatedMinutesAgo ?? 24 * 60)).toISOString() });
  return { dlq: () => queues.get(inv.dlqUrl)!.map((m) => m.MessageId), queue: () => queues.get(inv.queueUrl)!.map((m) => m.Body) };
}

describe('redrive guard: sees what the runtime reports, not only the errors alarm', () => {
  beforeEach(() => resetMocks());

  it("refuses while the runtime reports transient failures, though the errors alarm is OK (the consumer never throws)", async () => {
    const q = given({ messages: [exhausted('x1', 45)], metrics: { transient_failures: [[3, 4], [2, 0]] } });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders'], ctx)).toBe(1);
    expect(out.stderr).toContain('inventory-orders is still failing: the runtime reported 4 transient failures 2m00s ago (within the last 10 min)');
    expect(out.stderr).toContain('--force');
    expect(q.dlq()).toEqual(['x1']);
    const query = mocks.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(query.MetricDataQueries!.map((m) => m.MetricStat!.Metric)).toEqual([
      { Namespace: 'courier', MetricName: 'quarantined', Dimensions: [{ Name: 'consumer', Value: 'inventory-orders' }] },
      { Namespace: 'courier', MetricName: 'transient_failures', Dimensions: [{ Name: 'consumer', Value: 'inventory-orders' }] },
    ]);
    expect(query.StartTime).toEqual(new Date(minutesAgo(10)));
  });

  it('refuses on recent DLQ inflow where the engine has no runtime metrics (the local engine)', async () => {
    given({ messages: [quarantined('q1', 'ContractViolation', 40), quarantined('q2', 'ContractViolation', 3)] });
    const { ctx } = testContext();
    await expect(dlqRedrive(ctx, 'inventory-orders')).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringContaining('a message reached its DLQ 3m00s ago'),
    });
  });

  it('lets the redrive through when the function changed after the last failure (the fix was deployed)', async () => {
    const q = given({ messages: [quarantined('q1', 'ContractViolation', 3)], metrics: { quarantined: [[3, 1]] }, updatedMinutesAgo: 1 });
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'inventory-orders');
    expect(r).toMatchObject({ moved: 1, guard: { failing: false, lastFailureSource: 'runtime-metrics' } });
    expect(r.guard!.verdict).toMatch(/before the function changed/);
    expect(q.dlq()).toEqual([]);
  });

  it('lets it through when the last failure is older than --quiet-minutes, and --force overrides the guard', async () => {
    given({ messages: [quarantined('q1', 'ContractViolation', 8)] });
    const a = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--quiet-minutes', '5'], a.ctx)).toBe(0);
    expect(a.out.stdout).toContain('moved 1 of 1');

    resetMocks();
    given({ messages: [quarantined('q1', 'ContractViolation', 1)] });
    const b = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--force'], b.ctx)).toBe(0);
    expect(b.out.stdout).toContain('forced past the guard: inventory-orders is still failing');
  });

  it("--dry-run shows the guard's verdict and moves nothing", async () => {
    const q = given({ messages: [quarantined('q1', 'ContractViolation', 1)] });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--dry-run'], ctx)).toBe(0);
    expect(out.stdout).toContain('guard: inventory-orders is still failing: a message reached its DLQ 1m00s ago');
    expect(out.stdout).toContain('would be refused without --force');
    expect(q.dlq()).toEqual(['q1']);
  });

  it('still refuses while the errors alarm is in ALARM, even after a deploy', async () => {
    given({ messages: [exhausted('x1', 45)], alarm: 'ALARM', updatedMinutesAgo: 0 });
    const { ctx } = testContext();
    await expect(dlqRedrive(ctx, 'inventory-orders')).rejects.toThrow('alarm inventory-orders-function-errors is in ALARM');
  });
});

describe('redrive a subset: one error class or one message', () => {
  beforeEach(() => resetMocks());
  const mixed = () => [quarantined('c1', 'ContractViolation', 30), exhausted('x1', 45), quarantined('c2', 'ContractViolation', 30), exhausted('x2', 50)];

  it('--error-class moves that class only, with receive/send/delete; the rest stays in the DLQ', async () => {
    const q = given({ messages: mixed() });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--error-class', 'RedriveExhausted'], ctx)).toBe(0);
    expect(q.dlq()).toEqual(['c1', 'c2']);
    expect(q.queue().map((b) => JSON.parse(b!).detail.order_id)).toEqual(['ord-x1', 'ord-x2']);
    expect(mocks.sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    expect(out.stdout).toContain('moved 2 of 2 message(s) [error class RedriveExhausted]');
    expect(out.stdout).toContain('StartMessageMoveTask moves a whole queue');
  });

  it('--dry-run with --error-class counts that class only', async () => {
    given({ messages: mixed() });
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'inventory-orders', { errorClass: 'ContractViolation', dryRun: true });
    expect(r).toMatchObject({ method: 'dry-run', depth: 4, wouldMove: 2, errorClasses: [{ errorClass: 'ContractViolation', count: 2 }] });
  });

  it('--message-id moves that one message; an unknown id is exit 1 and moves nothing', async () => {
    const q = given({ messages: mixed() });
    const { ctx } = testContext();
    const r = await dlqRedrive(ctx, 'inventory-orders', { messageId: 'c2' });
    expect(r).toMatchObject({ moved: 1, selection: 'message c2', selected: 1, failed: [] });
    expect(renderRedrive(r)).toContain('moved 1 of 1 message(s) [message c2]');
    expect(q.dlq()).toEqual(['c1', 'x1', 'x2']);
    expect(q.queue().map((b) => JSON.parse(b!).detail.order_id)).toEqual(['ord-c2']);

    const b = testContext();
    expect(await main(['dlq', 'redrive', 'inventory-orders', '--message-id', 'nope'], b.ctx)).toBe(1);
    expect(b.out.stderr).toContain('no message nope in InventoryOrdersDlq');
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });
});

describe('dlq delete and dlq export', () => {
  beforeEach(() => resetMocks());

  it('deletes one message, prints what it was, and leaves the others', async () => {
    const q = given({ messages: [quarantined('c1', 'ContractViolation', 30), exhausted('x1', 45)] });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'delete', 'inventory-orders', '--message-id', 'c1'], ctx)).toBe(0);
    expect(out.stdout).toContain('deleted c1 (ContractViolation: ContractViolation on c1) from inventory-orders dlq InventoryOrdersDlq');
    expect(q.dlq()).toEqual(['x1']);
    expect(mocks.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('refuses a delete without --message-id (usage) and an unknown id (exit 1)', async () => {
    const q = given({ messages: [exhausted('x1', 45)] });
    const a = testContext();
    expect(await main(['dlq', 'delete', 'inventory-orders'], a.ctx)).toBe(2);
    expect(a.out.stderr).toContain('missing --message-id');
    const { ctx } = testContext();
    await expect(dlqDelete(ctx, 'inventory-orders', { messageId: 'nope' })).rejects.toThrow('no message nope in InventoryOrdersDlq');
    expect(q.dlq()).toEqual(['x1']);
  });

  it('exports messages in full (body, attributes) without consuming them, filtered by class or id', async () => {
    const q = given({ messages: [quarantined('c1', 'ContractViolation', 30), exhausted('x1', 45)] });
    const { ctx, out } = testContext();
    expect(await main(['dlq', 'export', 'inventory-orders', '--error-class', 'ContractViolation'], ctx)).toBe(0);
    const exported = JSON.parse(out.stdout);
    expect(exported).toMatchObject({ selection: 'error class ContractViolation', exportedAt: new Date(NOW).toISOString(), queue: { name: 'InventoryOrdersDlq' } });
    expect(exported.messages).toHaveLength(1);
    expect(exported.messages[0]).toMatchObject({
      messageId: 'c1',
      attributes: { 'courier.error_class': 'ContractViolation', 'courier.error_message': 'ContractViolation on c1' },
      body: expect.stringContaining('ord-c1'),
    });
    expect((await dlqExport(ctx, 'inventory-orders', { messageId: 'x1' })).messages.map((m) => m.errorClass)).toEqual(['RedriveExhausted']);
    expect(q.dlq()).toEqual(['c1', 'x1']);
  });
});
