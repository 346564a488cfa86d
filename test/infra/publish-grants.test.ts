import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReferenceApp } from '../../lib/stacks/reference-app';
import { ENV, logicalId, template } from './helpers';

type Statement = { Action: string | string[]; Condition?: Record<string, Record<string, unknown>>; Resource: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

/**
 * Issue 12 item 2: any permitted publisher could forge any service's events. Every PutEvents permission
 * in the reference app — IAM policies of its functions and the bus policy — must name the sources it
 * covers, and each publisher gets exactly its service's own.
 */
let app: ReturnType<typeof buildReferenceApp>;
let resources: Map<Stack, Resources>;
beforeAll(() => {
  app = buildReferenceApp(new App(), { target: { kind: 'aws', env: ENV, archive: true, tableRemovalPolicy: RemovalPolicy.RETAIN, notes: [] } });
  const stacks = [app.messaging, app.orders, app.inventory, app.risk, app.points, app.notifications];
  resources = new Map(stacks.map((s) => [s, template(s).toJSON().Resources as Resources]));
}, 300_000);

/** Every statement allowing events:PutEvents in `stack`, with the role it is attached to. */
function putEventsStatements(stack: Stack): { roles: string[]; statement: Statement }[] {
  return Object.values(resources.get(stack)!)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[])
        .filter((st) => [st.Action].flat().includes('events:PutEvents'))
        .map((statement) => ({ roles: (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref), statement })),
    );
}

/** The sources `fn` may publish, read from the statements attached to its role. */
function sourcesOf(stack: Stack, fn: lambda.IFunction): unknown[] {
  const role = logicalId(fn.role!);
  return putEventsStatements(stack)
    .filter((s) => s.roles.includes(role))
    .map((s) => s.statement.Condition?.StringEquals?.['events:source']);
}

describe('publish permissions carry events:source conditions', () => {
  it('every events:PutEvents statement in every reference stack is conditioned on events:source', () => {
    let seen = 0;
    for (const stack of resources.keys()) {
      for (const { statement } of putEventsStatements(stack)) {
        seen += 1;
        const sources = statement.Condition?.StringEquals?.['events:source'];
        expect(Array.isArray(sources) && sources.length > 0, `${stack.stackName}: ${JSON.stringify(statement)}`).toBe(true);
      }
    }
    // relays + sweepers of 4 outboxes, 2 retriers, the risk consumer, the notifications API
    expect(seen).toBe(12);
  });

  it("each publisher gets exactly its service's own sources", () => {
    const expectations: [Stack, lambda.IFunction, string[]][] = [
      [app.orders, app.orders.outbox.relay, ['courier.orders']],
      [app.orders, app.orders.outbox.sweeper, ['courier.orders']],
      [app.inventory, app.inventory.outbox.relay, ['courier.inventory']],
      [app.inventory, app.inventory.outbox.sweeper, ['courier.inventory']],
      [app.points, app.points.outbox.relay, ['courier.points']],
      [app.risk, app.risk.assessConsumer.fn, ['courier.risk']],
      [app.risk, app.risk.failedMessages.retrier, ['courier.risk']],
      // the notifications stack hosts three publishers: sign-ins (API, retrier) and config (outbox)
      [app.notifications, app.notifications.apiFunction, ['courier.identity']],
      [app.notifications, app.notifications.failedMessages.retrier, ['courier.identity']],
      [app.notifications, app.notifications.outbox.relay, ['courier.config']],
      [app.notifications, app.notifications.outbox.sweeper, ['courier.config']],
    ];
    for (const [stack, fn, sources] of expectations) expect(sourcesOf(stack, fn), fn.node.path).toEqual([sources]);
  });

  it('functions that only write outbox rows have no publish permission at all', () => {
    for (const [stack, fn] of [
      [app.orders, app.orders.apiFunction],
      [app.orders, app.orders.progress.fn],
      [app.inventory, app.inventory.ordersConsumer.fn],
      [app.points, app.points.ledgerConsumer.fn],
    ] as const) {
      expect(sourcesOf(stack, fn), fn.node.path).toEqual([]);
    }
  });

  it('the bus policy grants nobody anything in the reference app (no other publisher accounts)', () => {
    const policies = Object.values(resources.get(app.messaging)!).filter((r) => r.Type === 'AWS::Events::EventBusPolicy');
    expect(policies).toEqual([]);
  });
});
