import { paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { beforeAll, describe, expect, it } from 'vitest';
import { traceIdOfDetail } from '../../functions/contracts/trace-context';
import { outboxRows, placeOrder, settled, waitForOrder } from '../../scripts/local/actions';
import { forEachLogLine } from '../../scripts/local/outcomes';
import { waitFor, type LocalSystem } from '../../scripts/local/system';
import { stackPrefix } from '../../bin/cli/scope';
import { freshSystem } from './system';

type Line = Record<string, any>;
const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/**
 * One order, followed through the deployed system by its trace id, read back from the functions' logs:
 * the id the orders API's invocation carries is written into the order's outbox row (traceparent),
 * appears on the relays' and the direct publisher's "event published" lines, and on every line every
 * consumer writes about the order — including the replies' consumer, two hops later.
 */
describe('an order’s trace id, from the HTTP API through bus, queues and consumers', () => {
  let sys: LocalSystem;
  let orderId: string;
  let traceId: string;
  let since: number;
  const logGroupOf = async (functionName: string) =>
    (await sys.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))).LoggingConfig!.LogGroup!;
  async function lines(functionName: string, filterPattern: string): Promise<Line[]> {
    const out: Line[] = [];
    await forEachLogLine(sys.clients.logs, await logGroupOf(functionName), since, filterPattern, (line) => {
      if (line.startsWith('{')) out.push(JSON.parse(line));
    });
    return out;
  }

  beforeAll(async () => {
    sys = await freshSystem({ 'SKU-TEA': 100 });
    since = Date.now() - 1_000;
    const res = await placeOrder(sys, { user_id: 'traced-user', lines: [{ sku: 'SKU-TEA', qty: 2, unit_price_minor: 450 }] });
    expect(res.status).toBe(202);
    orderId = res.body.order_id;
    await waitForOrder(sys, orderId, settled, 60_000);
    const created = (await outboxRows(sys, orderId)).find((r) => r.detail_type === 'order.created.v1');
    traceId = traceIdOfDetail(created?.detail)!;
  });

  it('the API wrote its own invocation’s trace id into the order’s outbox row', async () => {
    expect(traceId).toMatch(XRAY_TRACE_ID);
    let api: string | undefined;
    for await (const page of paginateListStackResources({ client: sys.clients.cfn }, { StackName: `${stackPrefix(sys.scope)}Orders` })) {
      api ??= page.StackResourceSummaries?.find((r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId?.startsWith('ApiFunction'))?.PhysicalResourceId;
    }
    const handled = await waitFor('the API’s log line', async () => {
      const found = (await lines(api!, `"${traceId}"`)).filter((l) => l.message === 'request handled');
      return found.length > 0 ? found : undefined;
    });
    expect(handled).toEqual([expect.objectContaining({ route: 'POST /orders', status: 202, xray_trace_id: traceId, level: 'INFO', service: 'orders' })]);
    // every reply row the order caused carries the same trace (written by consumers, two services away)
    const rows = await outboxRows(sys, orderId);
    expect(rows.map((r) => r.detail_type).sort()).toEqual(['inventory.reserved.v1', 'order.created.v1', 'points.awarded.v1']);
    for (const row of rows) expect(traceIdOfDetail(row.detail), row.detail_type).toBe(traceId);
  });

  it('every publish of the order’s events logs that trace id: three outbox relays and the direct publisher', async () => {
    const eventIds = new Set((await outboxRows(sys, orderId)).map((r) => r.event_id));
    const publishers = [...sys.deployment.outboxes.map((o) => o.relayFunctionName), sys.consumer('risk-assess').functionName];
    const published = await waitFor('the publish lines', async () => {
      const all = (await Promise.all(publishers.map((fn) => lines(fn, '"event published"')))).flat();
      const ours = all.filter((l) => eventIds.has(l.event_id) || l.xray_trace_id === traceId);
      return ours.length >= 4 ? ours : undefined;
    });
    expect(published.map((l) => l.detail_type).sort()).toEqual(['inventory.reserved.v1', 'order.created.v1', 'points.awarded.v1', 'risk.assessed.v1']);
    for (const line of published) expect(line.xray_trace_id, line.detail_type).toBe(traceId);
  });

  it('every line every consumer wrote about the order carries that trace id', async () => {
    const consumers = ['inventory-orders', 'risk-assess', 'points-ledger', 'orders-progress'];
    const perConsumer = await waitFor('the consumers’ lines', async () => {
      const found = await Promise.all(consumers.map(async (name) => [name, await lines(sys.consumer(name).functionName, `"${orderId}"`)] as const));
      // orders-progress hears three replies; the others one order.created each
      return found.every(([name, l]) => l.filter((x) => x.outcome).length >= (name === 'orders-progress' ? 3 : 1)) ? found : undefined;
    });
    for (const [name, consumerLines] of perConsumer) {
      for (const line of consumerLines) {
        expect(line, name).toMatchObject({ consumer: name, correlation_id: orderId, xray_trace_id: traceId, level: 'INFO', cold_start: expect.any(Boolean), function_request_id: expect.any(String) });
      }
    }
    const progress = perConsumer.find(([name]) => name === 'orders-progress')![1];
    expect(progress.filter((l) => l.outcome).map((l) => l.detail_type).sort()).toEqual(['inventory.reserved.v1', 'points.awarded.v1', 'risk.assessed.v1']);
  });
});

/**
 * What the engine does with trace context, read back: each invocation of a function with active
 * tracing gets a fresh `_X_AMZN_TRACE_ID` root, and EventBridge → SQS delivery drops the PutEvents
 * `TraceHeader` (no `AWSTraceHeader` on the message). On AWS both carry the trace; locally only the
 * event's own `traceparent` does, which is why it is in the metadata.
 */
describe('what the local engine does with trace headers', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await freshSystem({});
  });

  it('EventBridge delivers to SQS without the PutEvents TraceHeader', async () => {
    const name = `courier-trace-probe-${Date.now()}`;
    const { QueueUrl } = await sys.clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sys.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const busName = sys.deployment.bus!.busName;
    await sys.clients.events.send(new PutRuleCommand({ Name: name, EventBusName: busName, EventPattern: JSON.stringify({ source: ['courier.trace-probe'] }) }));
    await sys.clients.events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }] }));
    try {
      const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
      const put = await sys.clients.events.send(new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: 'courier.trace-probe', DetailType: 'probe', Detail: '{}', TraceHeader: header }] }));
      expect(put.FailedEntryCount).toBe(0);
      const message = await waitFor('the probe message', async () => {
        const out = await sys.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 1 }));
        return out.Messages?.[0];
      });
      expect(message.Attributes?.AWSTraceHeader).toBeUndefined();
    } finally {
      await sys.clients.events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: busName, Ids: ['q'] }));
      await sys.clients.events.send(new DeleteRuleCommand({ Name: name, EventBusName: busName }));
      await sys.clients.sqs.send(new DeleteQueueCommand({ QueueUrl }));
    }
  });
});
