import type { Standing, Topology } from './topology.js';

/**
 * The topology drawn two ways from one layout: SVG (the console and docs/topology.svg) and Mermaid text
 * (docs/topology.mmd, for tools that render Mermaid). Three columns, publishers → events on the bus →
 * consumers, each node placed at the mean height of the events it touches, so most edges run level.
 * Hand-written: the graph is small and layered, a general graph-layout library would be most of the page.
 */

interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  title: string;
  subtitle?: string;
  /** Hover text: the deployed resources behind a consumer. */
  detail?: string;
  standing: Standing;
}

export interface Layout {
  width: number;
  height: number;
  publishers: Box[];
  events: Box[];
  consumers: Box[];
  bus: { x: number; y: number; w: number; h: number };
}

const COLUMNS = { publishers: { x: 24, w: 170 }, events: { x: 300, w: 210 }, consumers: { x: 620, w: 250 } };
const TOP = 80;
const EVENT_ROW = 34;
const NODE_GAP = 58;
const PUBLISHER_H = 40;
const EVENT_H = 24;
const CONSUMER_H = 42;

/** Places nodes at their wanted centre, top to bottom, at least `gap` apart. */
function stack<T>(items: { item: T; want: number }[], gap: number): { item: T; y: number }[] {
  let last = -Infinity;
  return items
    .sort((a, b) => a.want - b.want)
    .map(({ item, want }) => {
      last = Math.max(want, last + gap);
      return { item, y: last };
    });
}

const mean = (values: number[], fallback: number) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : fallback);

export function layoutTopology(t: Topology): Layout {
  const publisherRank = new Map(t.publishers.map((p, i) => [p.service, i]));
  const rank = (e: Topology['events'][number]) => Math.min(...e.publishers.map((p) => publisherRank.get(p) ?? Infinity), Infinity);
  const events = [...t.events].sort((a, b) => rank(a) - rank(b) || a.detailType.localeCompare(b.detailType));
  const eventY = new Map(events.map((e, i) => [e.detailType, TOP + 30 + i * EVENT_ROW]));
  const middle = TOP + 30 + ((events.length - 1) * EVENT_ROW) / 2;

  const publishers = stack(
    t.publishers.map((p) => ({ item: p, want: mean(p.detailTypes.map((d) => eventY.get(d)!), middle) })),
    NODE_GAP,
  ).map(({ item, y }) => ({
    id: `service:${item.service}`,
    x: COLUMNS.publishers.x,
    y: y - PUBLISHER_H / 2,
    w: COLUMNS.publishers.w,
    h: PUBLISHER_H,
    title: item.service,
    subtitle: `publishes ${item.detailTypes.length} event${item.detailTypes.length === 1 ? '' : 's'}`,
    standing: 'ok' as Standing,
  }));
  const consumers = stack(
    t.consumers.map((c) => ({ item: c, want: mean(c.detailTypes.map((d) => eventY.get(d)!).filter((y) => y !== undefined), middle) })),
    NODE_GAP,
  ).map(({ item, y }) => ({
    id: `consumer:${item.name}`,
    x: COLUMNS.consumers.x,
    y: y - CONSUMER_H / 2,
    w: COLUMNS.consumers.w,
    h: CONSUMER_H,
    title: item.name,
    subtitle: item.standing === 'not-deployed' ? `declared by ${item.service}, no consumer deployed` : `${item.service} · queue → consumer, DLQ`,
    ...(item.resources
      ? { detail: `rule ${item.resources.rule}\nqueue ${item.resources.queue}\nDLQ ${item.resources.dlq}\ntarget DLQ ${item.resources.targetDlq}\nfunction ${item.resources.function}` }
      : {}),
    standing: item.standing,
  }));
  const eventBoxes = events.map((e) => ({
    id: `event:${e.detailType}`,
    x: COLUMNS.events.x,
    y: eventY.get(e.detailType)! - EVENT_H / 2,
    w: COLUMNS.events.w,
    h: EVENT_H,
    title: e.detailType,
    standing: 'ok' as Standing,
  }));
  const bottom = Math.max(...[...publishers, ...consumers, ...eventBoxes].map((b) => b.y + b.h), TOP + 60);
  const busTop = TOP + 8;
  return {
    width: COLUMNS.consumers.x + COLUMNS.consumers.w + 24,
    height: bottom + 56,
    publishers,
    events: eventBoxes,
    consumers,
    bus: { x: COLUMNS.events.x - 14, y: busTop, w: COLUMNS.events.w + 28, h: bottom - busTop + 14 },
  };
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STROKE: Record<Standing, string> = { ok: '#8391a7', undeclared: '#d97706', 'not-deployed': '#dc2626' };

/**
 * The topology as a standalone SVG document (every label escaped: names come from stack outputs).
 *
 * @example
 * writeFileSync('docs/topology.svg', topologySvg(buildTopology(asyncapi, deployment)));
 */
export function topologySvg(t: Topology): string {
  const l = layoutTopology(t);
  const all = new Map([...l.publishers, ...l.events, ...l.consumers].map((b) => [b.id, b]));
  const edges = t.edges.flatMap((e) => {
    const a = all.get(e.from);
    const b = all.get(e.to);
    if (!a || !b) return [];
    const [x1, y1, x2, y2] = [a.x + a.w, a.y + a.h / 2, b.x, b.y + b.h / 2];
    const mid = (x1 + x2) / 2;
    const dash = e.standing === 'not-deployed' ? ' stroke-dasharray="5 4"' : '';
    return [`<path d="M${x1} ${y1} C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}" fill="none" stroke="${STROKE[e.standing]}" stroke-width="1.4"${dash} marker-end="url(#arrow-${e.standing})"/>`];
  });
  const node = (b: Box, kind: 'service' | 'event' | 'consumer') => {
    const dash = b.standing === 'not-deployed' ? ' stroke-dasharray="5 4"' : '';
    const fill = kind === 'event' ? '#eef4ff' : b.standing === 'ok' ? '#ffffff' : b.standing === 'undeclared' ? '#fff7ed' : '#fef2f2';
    const rx = kind === 'event' ? b.h / 2 : 6;
    const text = b.subtitle
      ? `<text x="${b.x + 10}" y="${b.y + 17}" class="title">${escapeXml(b.title)}</text><text x="${b.x + 10}" y="${b.y + 32}" class="sub">${escapeXml(b.subtitle)}</text>`
      : `<text x="${b.x + b.w / 2}" y="${b.y + b.h / 2 + 4}" class="event" text-anchor="middle">${escapeXml(b.title)}</text>`;
    const hover = b.detail ? `<title>${escapeXml(b.detail)}</title>` : '';
    return `<g data-node="${escapeXml(b.id)}">${hover}<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="${rx}" fill="${fill}" stroke="${STROKE[b.standing]}" stroke-width="1.2"${dash}/>${text}</g>`;
  };
  const markers = (Object.keys(STROKE) as Standing[])
    .map((s) => `<marker id="arrow-${s}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L8 4 L0 8 z" fill="${STROKE[s]}"/></marker>`)
    .join('');
  const legendY = l.height - 22;
  const legend = [
    ['ok', 'declared and deployed'],
    ['undeclared', 'deployed, not in the contract'],
    ['not-deployed', 'declared, not deployed'],
  ]
    .map(([s, label], i) => {
      const x = 24 + i * 230;
      return `<line x1="${x}" y1="${legendY}" x2="${x + 26}" y2="${legendY}" stroke="${STROKE[s as Standing]}" stroke-width="2"${s === 'not-deployed' ? ' stroke-dasharray="5 4"' : ''}/><text x="${x + 34}" y="${legendY + 4}" class="sub">${label}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${l.width} ${l.height}" width="${l.width}" height="${l.height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" role="img" aria-label="${escapeXml(t.title)} topology">`,
    `<style>.title{font-size:13px;font-weight:600;fill:#1f2937}.sub{font-size:11px;fill:#4b5563}.event{font-size:12px;fill:#1e3a8a;font-family:ui-monospace,Menlo,Consolas,monospace}.head{font-size:12px;font-weight:600;fill:#6b7280;letter-spacing:.04em}</style>`,
    `<defs>${markers}</defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="24" y="28" class="title" style="font-size:16px">${escapeXml(t.title)}: who publishes what, who consumes it</text>`,
    `<text x="${COLUMNS.publishers.x}" y="${TOP - 14}" class="head">PUBLISHERS</text>`,
    `<text x="${COLUMNS.consumers.x}" y="${TOP - 14}" class="head">CONSUMERS</text>`,
    `<text x="${COLUMNS.consumers.x}" y="${TOP}" class="sub">each: rule → queue (+ DLQ) → function</text>`,
    `<rect x="${l.bus.x}" y="${l.bus.y}" width="${l.bus.w}" height="${l.bus.h}" rx="10" fill="#f5f8ff" stroke="#c7d2fe"${t.bus.deployed ? '' : ' stroke-dasharray="5 4"'}/>`,
    `<text x="${l.bus.x}" y="${TOP - 14}" class="head">EVENTBRIDGE BUS${t.bus.deployed ? '' : ' (DECLARED)'}</text>`,
    `<text x="${l.bus.x}" y="${TOP}" class="sub">${escapeXml(truncate(t.bus.name, 40))}</text>`,
    ...edges,
    ...l.publishers.map((b) => node(b, 'service')),
    ...l.events.map((b) => node(b, 'event')),
    ...l.consumers.map((b) => node(b, 'consumer')),
    legend,
    '</svg>',
  ].join('\n');
}

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9]/g, '_');
const mermaidLabel = (text: string) => text.replace(/"/g, '#quot;');

/**
 * The same graph as Mermaid `flowchart LR` text.
 *
 * @example
 * writeFileSync('docs/topology.mmd', topologyMermaid(topology));
 */
export function topologyMermaid(t: Topology): string {
  const lines = ['flowchart LR'];
  for (const p of t.publishers) lines.push(`  ${mermaidId(`service:${p.service}`)}["${mermaidLabel(p.service)}"]`);
  lines.push(`  subgraph bus["EventBridge bus ${mermaidLabel(t.bus.name)}"]`);
  for (const e of t.events) lines.push(`    ${mermaidId(`event:${e.detailType}`)}(["${mermaidLabel(e.detailType)}"])`);
  lines.push('  end');
  for (const c of t.consumers) {
    const label = c.standing === 'not-deployed' ? `${c.name}<br/>declared, not deployed` : `${c.name}<br/>${c.service}`;
    lines.push(`  ${mermaidId(`consumer:${c.name}`)}["${mermaidLabel(label)}"]`);
  }
  for (const e of t.edges) {
    const arrow = e.standing === 'not-deployed' ? '-. not deployed .->' : e.standing === 'undeclared' ? '-- undeclared -->' : '-->';
    lines.push(`  ${mermaidId(e.from)} ${arrow} ${mermaidId(e.to)}`);
  }
  lines.push('  classDef undeclared fill:#fff7ed,stroke:#d97706', '  classDef notDeployed fill:#fef2f2,stroke:#dc2626,stroke-dasharray:5 4');
  for (const c of t.consumers) {
    if (c.standing === 'undeclared') lines.push(`  class ${mermaidId(`consumer:${c.name}`)} undeclared`);
    if (c.standing === 'not-deployed') lines.push(`  class ${mermaidId(`consumer:${c.name}`)} notDeployed`);
  }
  return `${lines.join('\n')}\n`;
}
