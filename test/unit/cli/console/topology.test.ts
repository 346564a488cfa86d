import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { topologyMermaid, topologySvg } from '../../../../bin/cli/console/topology-diagram';
import { buildTopology, declaredFlows, type AsyncApiDocument } from '../../../../bin/cli/console/topology';
import { consumer, deployment } from '../fixture';

const op = (service: string, action: 'send' | 'receive', channel: string) => ({ action, channel: { $ref: `#/channels/${channel}` }, tags: [{ name: service }] });
const doc: AsyncApiDocument = {
  info: { title: 'test bus' },
  channels: { created: { address: 'order.created.v1' }, reserved: { address: 'inventory.reserved.v1' }, cancelled: { address: 'order.cancelled.v1' } },
  operations: {
    'orders.send.created': op('orders', 'send', 'created'),
    'orders.send.cancelled': op('orders', 'send', 'cancelled'),
    'inventory.receive.created': op('inventory', 'receive', 'created'),
    'inventory.send.reserved': op('inventory', 'send', 'reserved'),
    'orders.receive.reserved': op('orders', 'receive', 'reserved'),
    'audit.receive.created': op('audit', 'receive', 'created'),
  },
};

describe('topology from the AsyncAPI document and the stack outputs', () => {
  it('reads who sends and receives what from the operations', () => {
    expect(declaredFlows(doc)).toContainEqual({ action: 'receive', service: 'audit', detailType: 'order.created.v1' });
    expect(declaredFlows(doc).filter((f) => f.action === 'send').map((f) => `${f.service}:${f.detailType}`)).toEqual(['orders:order.created.v1', 'orders:order.cancelled.v1', 'inventory:inventory.reserved.v1']);
  });

  it('flags a subscription the contract does not declare and a declared receiver nothing deployed serves', () => {
    // the fixture's inventory-orders also takes order.cancelled.v1 (undeclared here); nothing of audit is deployed
    const t = buildTopology(doc, deployment());
    expect(t.differences).toEqual([
      'inventory-orders (inventory) is subscribed to order.cancelled.v1, which the contract does not declare inventory receives',
      'audit declares it receives order.created.v1, but no deployed audit consumer subscribes to it',
    ]);
    expect(t.consumers.map((c) => [c.name, c.standing])).toEqual([
      ['inventory-orders', 'undeclared'],
      ['orders-progress', 'ok'],
      ['audit (not deployed)', 'not-deployed'],
    ]);
    expect(t.edges).toContainEqual({ from: 'event:order.cancelled.v1', to: 'consumer:inventory-orders', standing: 'undeclared' });
    expect(t.edges).toContainEqual({ from: 'event:order.created.v1', to: 'consumer:audit (not deployed)', standing: 'not-deployed' });
    expect(t.bus).toEqual({ name: 'Bus', deployed: true });
  });

  it('without a deployment draws each declared receiver per service', () => {
    const t = buildTopology(doc, undefined);
    expect(t.consumers.map((c) => c.name)).toEqual(['inventory', 'orders', 'audit']);
    expect(t.differences).toEqual([]);
    expect(t.bus.deployed).toBe(false);
  });

  it('the reference contract and a matching deployment: every consumer drawn, no differences', () => {
    const reference = JSON.parse(readFileSync('contracts/asyncapi.json', 'utf8')) as AsyncApiDocument;
    const d = { ...deployment(), consumers: [consumer('inventory-orders', 'inventory', ['order.created.v1', 'order.cancelled.v1']), consumer('risk-assess', 'risk', ['order.created.v1'])] };
    const t = buildTopology(reference, d);
    expect(t.consumers.filter((c) => c.standing === 'ok').map((c) => c.name)).toEqual(['inventory-orders', 'risk-assess']);
    expect(t.differences.every((x) => x.includes('no deployed'))).toBe(true);
  });
});

describe('topology diagram', () => {
  it('draws every node and edge as SVG, names escaped', () => {
    const d = deployment();
    d.consumers.push(consumer('evil<script>', 'orders', ['inventory.reserved.v1']));
    const svg = topologySvg(buildTopology(doc, d));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const node of ['service:orders', 'event:order.created.v1', 'consumer:inventory-orders', 'consumer:audit (not deployed)']) expect(svg).toContain(`data-node="${node}"`);
    expect(svg).toContain('evil&lt;script&gt;');
    expect(svg).toContain('<title>rule InventoryOrdersRule\nqueue InventoryOrdersQueue\nDLQ InventoryOrdersDlq\ntarget DLQ InventoryOrdersTargetDlq\nfunction InventoryOrdersFunction</title>');
    expect(svg).not.toContain('<script');
    // one path per edge: 3 sends + 3 deployed subscriptions + 1 injected + 1 not deployed
    expect(svg.match(/<path d="M[^"]* C/g)).toHaveLength(8);
    expect(svg).toContain('stroke-dasharray="5 4" marker-end="url(#arrow-not-deployed)"');
  });

  it('writes the same graph as Mermaid', () => {
    const text = topologyMermaid(buildTopology(doc, deployment()));
    expect(text.split('\n')[0]).toBe('flowchart LR');
    expect(text).toContain('service_orders --> event_order_created_v1');
    expect(text).toContain('event_order_cancelled_v1 -- undeclared --> consumer_inventory_orders');
    expect(text).toContain('event_order_created_v1 -. not deployed .-> consumer_audit__not_deployed_');
    expect(text).toContain('class consumer_audit__not_deployed_ notDeployed');
  });
});
