import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { queueDepth } from '../../bin/cli/dlq';
import { outboxStatus } from '../../bin/cli/outbox';
import { InventoryReservedV1 } from '../../functions/events/inventory';
import { OrderCreatedV1 } from '../../functions/events/orders';
import { placeOrders, type PlacedOrder } from '../chaos/load';
import type { PlannedOrder } from '../chaos/order-mix';
import { settle } from '../chaos/settle';
import { cliContext } from '../local/cli-context';
import { setEventSourceEnabled } from '../local/function-config';
import type { ConsumerInfo, OutboxInfo } from '../../bin/cli/discovery';
import type { LocalSystem } from '../local/system';

/**
 * The load of a counted-cost run: confirmed orders of two skus each (the order bench/cost-model.ts
 * assumes), each with an Idempotency-Key as a checkout sends it, placed through the signed orders API.
 *
 * `busy` is the cost model's busy case — every SQS batch full (10) and every stream batch as full as the
 * orders allow — made to happen on a small machine by staging: each hop's event source mappings stay off
 * until the hop before has delivered everything (orders → orders relay → inventory, risk, points →
 * their relays → orders-progress), then drain it at once, so every poll finds a full batch. The
 * sweepers' schedules are off meanwhile (rows wait longer than the sweeper's 60 s on purpose).
 * `paced` places orders at a steady rate with everything on: batches are as full as that rate makes them.
 */
export type LoadMode = 'busy' | 'paced';

export const COST_SKUS = { 'SKU-TEA': 450, 'SKU-RED-MUG': 1299 } as const;

/** Stock for `orders` cost-run orders: never short, so every order is confirmed. */
export const costStock = (orders: number): Record<string, number> => ({ 'SKU-TEA': orders * 3, 'SKU-RED-MUG': orders });

/** Order `index` of a cost run: one or two teas and a mug, for one of 257 customers. */
export function costOrder(index: number): PlannedOrder {
  return {
    index,
    user_id: `user-${index % 257}`,
    lines: [
      { sku: 'SKU-TEA', qty: 1 + (index % 2), unit_price_minor: COST_SKUS['SKU-TEA'] },
      { sku: 'SKU-RED-MUG', qty: 1, unit_price_minor: COST_SKUS['SKU-RED-MUG'] },
    ],
    cancel: false,
  };
}

export interface LoadOptions {
  orders: number;
  mode: LoadMode;
  /** Orders started per second at most. */
  perSecond: number;
  concurrency: number;
  runId: string;
  deadline: number;
  log: (line: string) => void;
}

export async function runLoad(sys: LocalSystem, options: LoadOptions): Promise<PlacedOrder[]> {
  const place = () =>
    placeOrders(sys, options.orders, { concurrency: options.concurrency, perSecond: options.perSecond }, options.runId, (n) => {
      if (n % 250 === 0) options.log(`placed ${n} orders`);
    }, costOrder);
  if (options.mode === 'paced') {
    const placed = await place();
    await settleOrFail(sys, options);
    return placed;
  }
  const hops = orderHops(sys);
  const sweeps = await sweepRules(sys);
  const mappings = hops.flatMap(hopFunctions);
  try {
    await Promise.all(mappings.map((fn) => setEventSourceEnabled(sys.clients.lambda, fn, false)));
    await setRulesEnabled(sys, sweeps, false);
    options.log(`busy: ${mappings.length} event source mappings and ${sweeps.length} sweep schedules off (read back); placing ${options.orders} orders`);
    const placed = await place();
    for (const hop of hops) {
      await Promise.all(hopFunctions(hop).map((fn) => setEventSourceEnabled(sys.clients.lambda, fn, true)));
      await waitDrained(sys, hop, options);
    }
    return placed;
  } finally {
    await Promise.all(mappings.map((fn) => setEventSourceEnabled(sys.clients.lambda, fn, true)));
    await setRulesEnabled(sys, sweeps, true);
    await settleOrFail(sys, options);
  }
}

/** One hop of an order's path: outbox relays or consumers that run once the hop before has handed everything on. */
interface Hop {
  relays: OutboxInfo[];
  consumers: ConsumerInfo[];
}

const hopFunctions = (hop: Hop) => [...hop.relays.map((o) => o.relayFunctionName), ...hop.consumers.map((c) => c.functionName)];

/**
 * The hops of an order's path in the order they run: the orders relay; the consumers of order.created;
 * the relays of the outboxes those consumers write; the consumers of the replies.
 */
function orderHops(sys: LocalSystem): Hop[] {
  const d = sys.deployment;
  const consumersOf = (detailType: string) => d.consumers.filter((c) => c.detailTypes.includes(detailType));
  const relaysOf = (services: readonly string[]) => d.outboxes.filter((o) => services.includes(o.service));
  const first = consumersOf(OrderCreatedV1.detailType);
  return [
    { relays: relaysOf(['orders']), consumers: [] },
    { relays: [], consumers: first },
    { relays: relaysOf(first.map((c) => c.service)), consumers: [] },
    { relays: [], consumers: consumersOf(InventoryReservedV1.detailType) },
  ];
}

/** The hop has taken up everything handed to it: its outboxes have nothing pending, its queues nothing queued or in flight, on three polls in a row. */
async function waitDrained(sys: LocalSystem, hop: Hop, options: LoadOptions): Promise<void> {
  const ctx = cliContext(sys);
  const what = hopFunctions(hop).length + ' ' + (hop.relays.length ? `relays (${hop.relays.map((o) => o.service).join(', ')})` : `consumers (${hop.consumers.map((c) => c.name).join(', ')})`);
  const started = Date.now();
  let calm = 0;
  for (;;) {
    const [outboxes, queues] = await Promise.all([
      Promise.all(hop.relays.map(async (o) => (await outboxStatus(ctx, { service: o.service }))[0]!.pending)),
      Promise.all(hop.consumers.map(async (c) => queueDepth(sys.clients.sqs, c.queueUrl, Date.now(), false))),
    ]);
    const left = outboxes.reduce((n, p) => n + p, 0) + queues.reduce((n, q) => n + q.depth + q.inFlight, 0);
    calm = left === 0 ? calm + 1 : 0;
    if (calm >= 3) return options.log(`${what} drained in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (Date.now() > options.deadline) throw new Error(`${what}: ${left} rows or messages still waiting at the deadline`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

async function settleOrFail(sys: LocalSystem, options: LoadOptions): Promise<void> {
  const done = await settle(sys, { deadline: options.deadline, log: options.log });
  if (!done.quiet) throw new Error(`the system did not settle before the deadline: ${JSON.stringify(done.last)}`);
}

/** The schedules that run the outbox sweepers (rules on the default bus targeting a sweeper). */
async function sweepRules(sys: LocalSystem): Promise<string[]> {
  const arns = new Set(
    await Promise.all(sys.deployment.outboxes.map(async (o) => (await sys.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: o.sweeperFunctionName }))).FunctionArn!)),
  );
  const rules: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sys.clients.events.send(new ListRulesCommand({ NextToken }));
    for (const rule of page.Rules ?? []) {
      if (!rule.ScheduleExpression) continue;
      const { Targets = [] } = await sys.clients.events.send(new ListTargetsByRuleCommand({ Rule: rule.Name! }));
      if (Targets.some((t) => arns.has(t.Arn!))) rules.push(rule.Name!);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  if (rules.length !== arns.size) throw new Error(`found ${rules.length} sweep schedules for ${arns.size} sweepers`);
  return rules;
}

async function setRulesEnabled(sys: LocalSystem, rules: readonly string[], enabled: boolean): Promise<void> {
  for (const Name of rules) {
    await sys.clients.events.send(enabled ? new EnableRuleCommand({ Name }) : new DisableRuleCommand({ Name }));
    const { State } = await sys.clients.events.send(new DescribeRuleCommand({ Name }));
    if (State !== (enabled ? 'ENABLED' : 'DISABLED')) throw new Error(`rule ${Name} reads back ${State}`);
  }
}
