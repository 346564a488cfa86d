/**
 * Publisher benchmark: 1,000 small events against a PutEvents stub with a fixed 5 ms latency.
 * courier's publisher (≤ 10 entries per call) vs one call per event, then a run where 5 % of entries are
 * throttled on every attempt to show that only the failed entries are resent.
 * Run alone: npx tsx bench/publisher.ts
 */
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { pathToFileURL } from 'node:url';
import { OrderCreatedV1 } from '../functions/events/index';
import { createLogger } from '../functions/runtime/support/log';
import { mapLimit } from '../functions/runtime/support/map-limit';
import { Metrics } from '../functions/runtime/support/metrics';
import { buildEvent, outgoing } from '../functions/runtime/publish/outgoing';
import { createPublisher, PUBLISH_DEFAULTS } from '../functions/runtime/publish/publisher';

const EVENTS = 1_000;
const LATENCY_MS = 5;
const THROTTLE_RATE = 0.05;

/** Deterministic PRNG (mulberry32) so the throttled run is the same every time. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Stands in for EventBridge: fixed latency per call, optional per-entry throttling; counts calls and entries. */
function stub(throttleRate = 0) {
  const random = seeded(42);
  const stats = { calls: 0, entries: 0 };
  const client = {
    async send(command: PutEventsCommand) {
      const entries = command.input.Entries ?? [];
      stats.calls += 1;
      stats.entries += entries.length;
      await new Promise((r) => setTimeout(r, LATENCY_MS));
      const results = entries.map((_, i) =>
        random() < throttleRate ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' } : { EventId: `eb-${stats.calls}-${i}` },
      );
      return { Entries: results, FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length };
    },
  } as unknown as EventBridgeClient;
  return { client, stats };
}

const events = () =>
  Array.from({ length: EVENTS }, (_, i) =>
    outgoing(OrderCreatedV1, { order_id: `ord-${i}`, user_id: 'user-42', lines: [{ sku: 'SKU-TEA', qty: 1 }], total_minor: 450, currency: 'EUR' }),
  );

const silent = () => ({ metrics: new Metrics({ service: 'bench' }, () => {}), logger: createLogger({}, () => {}) });

interface Row {
  variant: string;
  calls: number;
  entries: number;
  published: number;
  ms: number;
}

async function timed(variant: string, run: (client: EventBridgeClient) => Promise<number>, throttleRate = 0): Promise<Row> {
  const { client, stats } = stub(throttleRate);
  const start = performance.now();
  const published = await run(client);
  return { variant, ...stats, published, ms: performance.now() - start };
}

/** The common hand-written producer: build and validate the same way, then one PutEvents per event. */
const oneCallPerEvent = (inFlight: number) => async (client: EventBridgeClient) => {
  const entries: PutEventsRequestEntry[] = events().map((e) => buildEvent(e, Date.now()).value.entry);
  const results = await mapLimit(entries, inFlight, (entry) => client.send(new PutEventsCommand({ Entries: [{ ...entry, EventBusName: 'bench' }] })));
  return results.filter((r) => !r.FailedEntryCount).length;
};

const courier = (concurrency: number) => async (client: EventBridgeClient) => {
  const publisher = createPublisher({ busName: 'bench', client, concurrency, ...silent() });
  const results = await publisher.publish(events());
  return results.filter((r) => r.status === 'published').length;
};

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

export async function runPublisherBench(): Promise<string> {
  const c = PUBLISH_DEFAULTS.concurrency;
  const naive1 = await timed('one call per event, sequential', oneCallPerEvent(1));
  const naiveN = await timed(`one call per event, ${c} in flight`, oneCallPerEvent(c));
  const courier1 = await timed('courier publisher, 1 call in flight', courier(1));
  const courierN = await timed(`courier publisher, ${c} calls in flight (default)`, courier(c));
  const throttled = await timed(`courier publisher, ${THROTTLE_RATE * 100} % of entries throttled per attempt`, courier(c), THROTTLE_RATE);

  const table = (rows: Row[]) => [
    '| variant | PutEvents calls | entries sent | published | wall time |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.variant} | ${r.calls} | ${r.entries} | ${r.published} | ${fmt(r.ms)} |`),
  ];
  return [
    '## Publisher',
    '',
    `${EVENTS} small \`order.created.v1\` events against a PutEvents stub with ${LATENCY_MS} ms latency per call (validation and entry building included).`,
    '',
    ...table([naive1, naiveN, courier1, courierN]),
    '',
    `- PutEvents calls: ${courierN.calls} vs ${naive1.calls} (${(courierN.calls / naive1.calls).toFixed(2)} ×; ⌈${EVENTS}/10⌉ = ${Math.ceil(EVENTS / 10)}).`,
    `- Wall time, same calls in flight: ${(courier1.ms / naive1.ms).toFixed(3)} × sequential, ${(courierN.ms / naiveN.ms).toFixed(3)} × with ${c} in flight.`,
    '',
    `With ${THROTTLE_RATE * 100} % of entries answered \`ThrottlingException\` on each attempt (seeded), only those entries are resent (backoff with full jitter from ${PUBLISH_DEFAULTS.backoff.baseMs} ms):`,
    '',
    ...table([throttled]),
    '',
    `- entries sent / events = ${(throttled.entries / EVENTS).toFixed(3)} (resending whole calls would already reach ${(1 + (1 - (1 - THROTTLE_RATE) ** 10)).toFixed(2)} after one retry round); calls ${throttled.calls} vs ${courierN.calls} without throttling.`,
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await runPublisherBench()}\n`);
}
