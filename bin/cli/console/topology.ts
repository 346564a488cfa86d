import type { Deployment } from '../discovery.js';
import { queueName } from '../format.js';

/** The parts of an AsyncAPI 3 document the topology reads: channels (detail-types) and send/receive operations tagged with their service. */
export interface AsyncApiDocument {
  info?: { title?: string };
  channels?: Record<string, { address?: string; title?: string }>;
  operations?: Record<string, { action?: string; channel?: { $ref?: string }; tags?: { name?: string }[] }>;
}

/** Where a consumer or an edge stands between what the contract declares and what is deployed. */
export type Standing = 'ok' | 'undeclared' | 'not-deployed';

export interface TopologyConsumer {
  /** The deployed consumer's name, or the service's name for a receiver that is declared but not deployed. */
  name: string;
  service: string;
  detailTypes: string[];
  standing: Standing;
  /** What the stack outputs name for a deployed consumer: its rule, queue, DLQ, target DLQ and function. */
  resources?: { rule: string; queue: string; dlq: string; targetDlq: string; function: string };
}

export interface TopologyEdge {
  from: string;
  to: string;
  standing: Standing;
}

/**
 * Services, the bus, every event and every consumer, and which events flow where: declared (the
 * AsyncAPI document) merged with deployed (stack outputs). Edges: `service:<name>` → `event:<type>` →
 * `consumer:<name>`.
 */
export interface Topology {
  title: string;
  bus: { name: string; deployed: boolean };
  publishers: { service: string; detailTypes: string[] }[];
  events: { detailType: string; publishers: string[] }[];
  consumers: TopologyConsumer[];
  edges: TopologyEdge[];
  /** Each difference between declared and deployed, in words. */
  differences: string[];
}

const lastSegment = (ref = '') => ref.slice(ref.lastIndexOf('/') + 1);

/** Declared sends and receives per service, by detail-type. */
export function declaredFlows(doc: AsyncApiDocument): { action: 'send' | 'receive'; service: string; detailType: string }[] {
  const channels = doc.channels ?? {};
  return Object.entries(doc.operations ?? {}).flatMap(([id, op]) => {
    const channel = channels[lastSegment(op.channel?.$ref)];
    const service = op.tags?.[0]?.name ?? id.split('.')[0];
    if ((op.action !== 'send' && op.action !== 'receive') || !channel?.address || !service) return [];
    return [{ action: op.action, service, detailType: channel.address }];
  });
}

const unique = <T>(items: T[]) => [...new Set(items)];

/**
 * Merges the declared topology with the deployed one. Without a deployment (`undefined`) every declared
 * receiver is drawn per service, as declared.
 *
 * @example
 * const topology = buildTopology(JSON.parse(readFileSync('contracts/asyncapi.json', 'utf8')), await ctx.deployment());
 */
export function buildTopology(doc: AsyncApiDocument, deployment: Deployment | undefined): Topology {
  const flows = declaredFlows(doc);
  const sends = flows.filter((f) => f.action === 'send');
  const receives = flows.filter((f) => f.action === 'receive');
  const deployedTypes = deployment?.consumers.flatMap((c) => c.detailTypes) ?? [];
  const detailTypes = unique([...sends.map((f) => f.detailType), ...receives.map((f) => f.detailType), ...deployedTypes]);
  const events = detailTypes.map((detailType) => ({ detailType, publishers: unique(sends.filter((f) => f.detailType === detailType).map((f) => f.service)) }));
  const publishers = unique(sends.map((f) => f.service)).map((service) => ({ service, detailTypes: sends.filter((f) => f.service === service).map((f) => f.detailType) }));
  const differences: string[] = [];
  const consumers: TopologyConsumer[] = [];
  const edges: TopologyEdge[] = sends.map((f) => ({ from: `service:${f.service}`, to: `event:${f.detailType}`, standing: 'ok' as const }));

  if (!deployment) {
    for (const service of unique(receives.map((f) => f.service))) {
      const types = receives.filter((f) => f.service === service).map((f) => f.detailType);
      consumers.push({ name: service, service, detailTypes: types, standing: 'ok' });
      edges.push(...types.map((t) => ({ from: `event:${t}`, to: `consumer:${service}`, standing: 'ok' as const })));
    }
  } else {
    for (const c of deployment.consumers) {
      const declared = new Set(receives.filter((f) => f.service === c.service).map((f) => f.detailType));
      const undeclared = c.detailTypes.filter((t) => !declared.has(t));
      for (const t of undeclared) differences.push(`${c.name} (${c.service}) is subscribed to ${t}, which the contract does not declare ${c.service} receives`);
      consumers.push({
        name: c.name,
        service: c.service,
        detailTypes: c.detailTypes,
        standing: undeclared.length ? 'undeclared' : 'ok',
        resources: { rule: c.ruleName, queue: queueName(c.queueUrl), dlq: queueName(c.dlqUrl), targetDlq: queueName(c.targetDlqUrl), function: c.functionName },
      });
      edges.push(...c.detailTypes.map((t) => ({ from: `event:${t}`, to: `consumer:${c.name}`, standing: declared.has(t) ? ('ok' as const) : ('undeclared' as const) })));
    }
    for (const service of unique(receives.map((f) => f.service))) {
      const deployedTypes = new Set(deployment.consumers.filter((c) => c.service === service).flatMap((c) => c.detailTypes));
      const missing = receives.filter((f) => f.service === service && !deployedTypes.has(f.detailType)).map((f) => f.detailType);
      if (missing.length === 0) continue;
      differences.push(`${service} declares it receives ${missing.join(', ')}, but no deployed ${service} consumer subscribes to ${missing.length > 1 ? 'them' : 'it'}`);
      const name = `${service} (not deployed)`;
      consumers.push({ name, service, detailTypes: missing, standing: 'not-deployed' });
      edges.push(...missing.map((t) => ({ from: `event:${t}`, to: `consumer:${name}`, standing: 'not-deployed' as const })));
    }
    if (!deployment.bus) differences.push('no bus in the stack outputs (MessagingStack not deployed?)');
  }
  return {
    title: doc.info?.title ?? 'event bus',
    bus: { name: deployment?.bus?.busName ?? 'event bus', deployed: Boolean(deployment?.bus) },
    publishers,
    events,
    consumers,
    edges,
    differences,
  };
}
