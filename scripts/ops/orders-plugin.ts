import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, CourierPlugin, TimelineEntry, TraceSubject } from 'courier/cli';

/**
 * The reference app's plugin for the ops CLI (registered in cdk.json, context.courier.plugins): it
 * teaches `courier trace` what an order is — an order id names the `ORDER#<id>` item of the orders
 * table, and every reference event about an order carries its `order_id`.
 */
export const plugin: CourierPlugin = {
  name: 'orders',
  trace: {
    lookup: async (ctx, key) => {
      const table = await ordersTable(ctx);
      if (!table) return undefined;
      const { Item } = await ctx.clients.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${key}` }), ConsistentRead: true }));
      return Item ? orderSubject(unmarshall(Item)) : undefined;
    },
    keyOf: ({ detail }) => (typeof detail.order_id === 'string' ? detail.order_id : undefined),
  },
};
export default plugin;

/** The orders table, from the orders stack's `OrdersTable` output. */
async function ordersTable(ctx: Context): Promise<string | undefined> {
  const { outputs } = await ctx.deployment();
  return Object.values(outputs).map((o) => o.OrdersTable).find(Boolean);
}

function orderSubject(order: Record<string, unknown>): TraceSubject {
  const { pk: _pk, ...record } = order;
  const text = (value: unknown) => String(value);
  const facts = [
    `status ${text(order.status)}${order.status_reason ? ` (${text(order.status_reason)})` : ''}`,
    order.stock ? `stock ${text(order.stock)}${order.stock_reason ? ` (${text(order.stock_reason)})` : ''}` : undefined,
    order.risk_decision ? `risk ${text(order.risk_decision)}${order.risk_score !== undefined ? ` (${text(order.risk_score)})` : ''}` : 'risk -',
    order.points !== undefined ? `points ${text(order.points)}` : undefined,
    compensated(order),
    `version ${text(order.version)}`,
  ].filter(Boolean);
  const timeline: TimelineEntry[] = [
    { at: text(order.created_at), what: `order ${text(order.order_id)} placed by ${text(order.user_id)}: ${text(order.total_minor)} ${text(order.currency)} minor units` },
    { at: text(order.updated_at), what: `order now: ${facts.join(', ')}` },
  ];
  return {
    label: `order ${text(order.order_id)}`,
    record,
    timeline,
    state: `order ${text(order.status)}${order.status_reason ? ` (${text(order.status_reason)})` : ''}`,
    notes: ["risk.assessed is published directly (publishOrStore), not through an outbox: it shows here only if it failed; the order's risk fields show whether it arrived"],
  };
}

/** What inventory and points reported they undid for a cancelled order (inventory.released.v1, points.revoked.v1). */
function compensated(order: Record<string, unknown>): string | undefined {
  const lines = order.released_lines as { sku: string; qty: number }[] | undefined;
  const parts = [
    lines === undefined ? undefined : `stock released (${lines.map((l) => `${l.sku} × ${l.qty}`).join(', ') || 'nothing held'})`,
    order.revoked_points === undefined ? undefined : `points revoked (${String(order.revoked_points)})`,
  ].filter(Boolean);
  return parts.length > 0 ? `compensated: ${parts.join(', ')}` : undefined;
}
