import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { scanItems } from '../../bin/cli/scan';
import { ON_BEHALF_OF_HEADER } from '../../functions/contracts/api-auth';
import { http, waitFor, type LocalSystem } from './system';

/**
 * What the demo, the e2e suite and the chaos run do to the deployed system, in one place. Every API
 * request is signed by the caller a real deployment would have (scripts/local/api-callers.ts).
 */

export interface OrderLine {
  sku: string;
  qty: number;
  unit_price_minor: number;
}

/** Acting for `user` (the on-behalf-of scheme), or as the caller itself (an operator) when undefined. */
const forUser = (user: string | undefined): Record<string, string> => (user === undefined ? {} : { [ON_BEHALF_OF_HEADER]: user });

/** POST /orders: the orders agent (a checkout service) places the order for its customer. */
export const placeOrder = (sys: LocalSystem, order: { user_id: string; currency?: string; lines: OrderLine[] }, headers: Record<string, string> = {}) =>
  http<{ order_id: string; status: string; message?: string }>(`${sys.api.orders}/orders`, {
    body: { currency: 'EUR', ...order },
    headers: { ...forUser(order.user_id), ...headers },
    as: sys.callers.ordersAgent,
  });

/** GET /orders/{id}, as an operator (or for `user`, who must own it). */
export const getOrder = (sys: LocalSystem, orderId: string, user?: string) =>
  http(`${sys.api.orders}/orders/${encodeURIComponent(orderId)}`, { headers: forUser(user), as: sys.callers.ordersAgent });

/** POST /orders/{id}/cancel for `user` (the customer cancels), or as an operator when undefined. */
export const cancelOrder = (sys: LocalSystem, orderId: string, reason?: string, user?: string) =>
  http(`${sys.api.orders}/orders/${encodeURIComponent(orderId)}/cancel`, { body: reason ? { reason } : {}, headers: forUser(user), as: sys.callers.ordersAgent });

/** POST /logins: the identity service records a sign-in for the user it authenticated. */
export const recordLogin = (sys: LocalSystem, login: { user_id: string; ip: string; user_agent: string }) =>
  http<{ event_id: string; outcome: string; message?: string }>(`${sys.api.notifications}/logins`, { body: login, headers: forUser(login.user_id), as: sys.callers.identityService });

/** PUT /config/{key}: an operator holding config:write changes a value (`null` deletes it). */
export const putConfig = (sys: LocalSystem, key: string, change: { value: string | null; changed_by: string }) =>
  http(`${sys.api.notifications}/config/${encodeURIComponent(key)}`, { method: 'PUT', body: change, as: sys.callers.configAdmin });

/**
 * An order has settled when its status is final for the flow and every reply that flow implies arrived:
 * confirmed/in review with points; rejected or cancelled with its compensation applied downstream is
 * checked by the caller (stock, points tables).
 */
export async function waitForOrder(sys: LocalSystem, orderId: string, done: (order: any) => boolean, timeoutMs = 60_000): Promise<any> {
  return waitFor(`order ${orderId} to settle`, async () => {
    const res = await getOrder(sys, orderId);
    return res.status === 200 && done(res.body) ? res.body : undefined;
  }, timeoutMs);
}

/** Nothing more will change: final status, every reply in, and (cancelled or rejected) every compensation reported. */
export const settled = (order: any) =>
  order.status !== 'PENDING' &&
  order.progress?.risk !== null &&
  order.progress?.stock?.state !== 'PENDING' &&
  order.progress?.points !== null &&
  (order.compensations === undefined || (order.compensations.stock.state === 'DONE' && order.compensations.points.state === 'DONE'));

/** Outbox rows (any service) whose detail mentions `needle`, e.g. an order id. */
export async function outboxRows(sys: LocalSystem, needle: string): Promise<{ event_id: string; detail_type: string; source: string; detail: string; status: string }[]> {
  const perTable = await Promise.all(
    sys.deployment.outboxes.map((outbox) =>
      scanItems(sys.clients.dynamodb, outbox.tableName, {
        FilterExpression: 'contains(#d, :n)',
        ExpressionAttributeNames: { '#d': 'detail' },
        ExpressionAttributeValues: { ':n': { S: needle } },
      }),
    ),
  );
  return perTable.flat() as any[];
}

/** Re-sends a stored event to the bus exactly as it was announced (same event_id): a duplicate delivery. */
export async function resend(sys: LocalSystem, row: { source: string; detail_type: string; detail: string }): Promise<void> {
  const out = await sys.clients.events.send(
    new PutEventsCommand({ Entries: [{ EventBusName: sys.deployment.bus!.busName, Source: row.source, DetailType: row.detail_type, Detail: row.detail }] }),
  );
  if (out.FailedEntryCount) throw new Error(`re-send failed: ${JSON.stringify(out.Entries)}`);
}

/** Puts a raw body straight onto a consumer's queue, as a broken producer or a bad bus event would. */
export async function sendToQueue(sys: LocalSystem, consumer: string, body: string): Promise<void> {
  await sys.clients.sqs.send(new SendMessageCommand({ QueueUrl: sys.consumer(consumer).queueUrl, MessageBody: body }));
}

/** An EventBridge envelope as a rule delivers it to SQS. */
export function envelope(detailType: string, source: string, detail: unknown): string {
  return JSON.stringify({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  });
}
