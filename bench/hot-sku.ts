/**
 * Hot SKU: reservations of one popular SKU against DynamoDB's per-partition write limit, with the SKU's
 * stock on one item (today's `SKU#<sku>`) and split over shard items (`SKU#<sku>#<n>`, docs/CAPACITY.md).
 * A discrete-time simulation in 1 ms steps with a seeded PRNG; nothing touches AWS.
 *
 * Documented by AWS (docs/CAPACITY.md § Sources): a partition serves at most 1,000 write units per second;
 * a transactional write costs 2 write units per item; a transaction that overlaps another one on the same
 * item is cancelled (TransactionConflict) and the SDK does not retry it.
 * From courier's code: a throttled or cancelled reservation transaction is a transient failure, so SQS
 * redelivers the record after 5 s × 2^(receives − 1) with equal jitter (functions/runtime/consume/retry-delay.ts).
 * Assumed (not documented, named in ASSUMED): how long a transaction holds its item, the partition's
 * burst depth, the round-trip time, and that every shard item has a partition of its own.
 *
 * Run alone: npx tsx bench/hot-sku.ts
 */
import { pathToFileURL } from 'node:url';
import { DEFAULT_RETRY_BACKOFF, retryDelaySeconds } from '../functions/runtime/consume/retry-delay';

/** AWS's documented numbers the simulation enforces. */
export const DYNAMODB = {
  /** On-demand and provisioned alike: one partition serves at most 1,000 WCU per second. */
  partitionWcuPerSecond: 1_000,
  /** TransactWriteItems writes every item twice (prepare, commit): 2 WCU per item of ≤ 1 KB. */
  wcuPerTransactItem: 2,
} as const;

/** What AWS does not document; each is an input of the simulation, not a finding. */
export interface Assumptions {
  /** A committing transaction holds its item this long; another transaction on the item meanwhile is cancelled. */
  conflictWindowMs: number;
  /** A partition can spend this much of its rate at once (token bucket depth). */
  burstMs: number;
  /** One TransactWriteItems round trip. */
  callMs: number;
  /** Sharded design: shards one delivery tries before the record goes back to SQS. */
  shardsTriedPerDelivery: number;
}

export const ASSUMED: Assumptions = { conflictWindowMs: 1, burstMs: 100, callMs: 10, shardsTriedPerDelivery: 3 };

export interface HotSkuRun {
  /** Reservations of the SKU per second (Poisson arrivals). */
  offeredPerSecond: number;
  /** Stock items the SKU is split over; 1 is today's single `SKU#<sku>` item. */
  shards: number;
  /** Simulated seconds. @default 60 */
  seconds?: number;
  /** PRNG seed; the same seed gives the same result. @default 15 */
  seed?: number;
  /** Overrides of ASSUMED, for sensitivity runs. */
  assume?: Partial<Assumptions>;
}

export interface HotSkuResult {
  offeredPerSecond: number;
  shards: number;
  seconds: number;
  arrived: number;
  committed: number;
  /** Reservations committed per simulated second. */
  achievedPerSecond: number;
  /** From arrival to the committing write's response, over committed reservations. */
  p50Ms: number;
  p99Ms: number;
  /** Write attempts refused because the partition's write units were spent. */
  throttled: number;
  /** Write attempts cancelled because another transaction held the item. */
  conflicts: number;
  /** Reservations not yet committed at the end (in SQS, waiting for their redelivery). */
  backlog: number;
  /** Age of the oldest uncommitted reservation at the end; 0 when there is none. */
  oldestWaitingMs: number;
}

interface Reservation {
  arrivedMs: number;
  shard: number;
  /** SQS receive count of the current delivery (ApproximateReceiveCount). */
  receives: number;
  /** Write attempts in the current delivery. */
  tries: number;
  committed: boolean;
}

interface Partition {
  units: number;
  refilledAtMs: number;
  busyUntilMs: number;
}

type Outcome = 'committed' | 'throttled' | 'conflict';

/** mulberry32: small, fast, and the same sequence on every machine for one seed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gap to the next Poisson arrival, in ms. */
const nextGapMs = (random: () => number, perMs: number): number => -Math.log(1 - random()) / perMs;

/** Any shard but `current`, so a retry in the same delivery goes elsewhere. */
const otherShard = (current: number, shards: number, random: () => number): number =>
  (current + 1 + Math.floor(random() * (shards - 1))) % shards;

/** The partition earns write units continuously, up to its burst depth. */
function refill(p: Partition, ms: number, a: Assumptions): void {
  const perMs = DYNAMODB.partitionWcuPerSecond / 1000;
  p.units = Math.min(perMs * a.burstMs, p.units + (ms - p.refilledAtMs) * perMs);
  p.refilledAtMs = ms;
}

/**
 * One reservation transaction writing the shard item at `ms`. The conflict is checked first: an item
 * held by another transaction cancels this one whatever the capacity; throttled and cancelled attempts
 * are assumed to spend no write units.
 */
function write(p: Partition, ms: number, a: Assumptions): Outcome {
  refill(p, ms, a);
  if (ms < p.busyUntilMs) return 'conflict';
  if (p.units < DYNAMODB.wcuPerTransactItem) return 'throttled';
  p.units -= DYNAMODB.wcuPerTransactItem;
  p.busyUntilMs = ms + a.conflictWindowMs;
  return 'committed';
}

/**
 * When a failed reservation is tried again: at once on another shard while the delivery has tries left
 * (sharded design), otherwise after courier's SQS retry delay for this receive count.
 */
function retryAt(r: Reservation, ms: number, shards: number, a: Assumptions, random: () => number): number {
  r.tries += 1;
  if (r.tries < Math.min(a.shardsTriedPerDelivery, shards)) {
    r.shard = otherShard(r.shard, shards, random);
    return ms + a.callMs;
  }
  const delayMs = retryDelaySeconds(r.receives, DEFAULT_RETRY_BACKOFF, random) * 1000;
  r.receives += 1;
  r.tries = 0;
  r.shard = Math.floor(random() * shards);
  return ms + a.callMs + delayMs;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * Simulates `seconds` of reservations of one SKU arriving at `offeredPerSecond` against `shards` stock
 * items, each on its own partition, and reports throughput, latency, throttles, conflicts and backlog.
 * Pure and deterministic: the same run gives the same result.
 */
export function simulateHotSku(run: HotSkuRun): HotSkuResult {
  const a: Assumptions = { ...ASSUMED, ...run.assume };
  const seconds = run.seconds ?? 60;
  const endMs = seconds * 1000;
  const random = seededRandom(run.seed ?? 15);
  const partitions: Partition[] = Array.from({ length: run.shards }, () => ({
    units: (DYNAMODB.partitionWcuPerSecond / 1000) * a.burstMs,
    refilledAtMs: 0,
    busyUntilMs: 0,
  }));
  // A calendar of attempts, one slot per millisecond; attempts due after the end stay in the backlog.
  const due: (Reservation[] | undefined)[] = new Array(endMs);
  const schedule = (r: Reservation, ms: number) => {
    if (ms < endMs) (due[ms] ??= []).push(r);
  };
  const all: Reservation[] = [];
  const latencies: number[] = [];
  let throttled = 0;
  let conflicts = 0;
  const perMs = run.offeredPerSecond / 1000;
  let nextArrival = nextGapMs(random, perMs);

  for (let ms = 0; ms < endMs; ms++) {
    for (; nextArrival < ms + 1; nextArrival += nextGapMs(random, perMs)) {
      const r: Reservation = { arrivedMs: ms, shard: Math.floor(random() * run.shards), receives: 1, tries: 0, committed: false };
      all.push(r);
      schedule(r, ms);
    }
    for (const r of due[ms] ?? []) {
      const outcome = write(partitions[r.shard]!, ms, a);
      if (outcome === 'committed') {
        r.committed = true;
        latencies.push(ms + a.callMs - r.arrivedMs);
        continue;
      }
      if (outcome === 'throttled') throttled += 1;
      else conflicts += 1;
      schedule(r, retryAt(r, ms, run.shards, a, random));
    }
    due[ms] = undefined;
  }

  latencies.sort((x, y) => x - y);
  const oldest = all.find((r) => !r.committed);
  return {
    offeredPerSecond: run.offeredPerSecond,
    shards: run.shards,
    seconds,
    arrived: all.length,
    committed: latencies.length,
    achievedPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    throttled,
    conflicts,
    backlog: all.length - latencies.length,
    oldestWaitingMs: oldest ? endMs - oldest.arrivedMs : 0,
  };
}

const LOADS = [200, 500, 1_000, 2_000, 4_000];
const SHARDS = 10;
const count = (n: number) => Math.round(n).toLocaleString('en');
const duration = (ms: number) => (ms === 0 ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

function table(results: readonly HotSkuResult[]): string[] {
  return [
    '| offered /s | achieved /s | p50 | p99 | throttled writes | conflicts | backlog at end | oldest waiting at end |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${count(r.offeredPerSecond)} | ${count(r.achievedPerSecond)} | ${duration(r.p50Ms)} | ${duration(r.p99Ms)} | ${count(r.throttled)} | ${count(r.conflicts)} | ${count(r.backlog)} | ${duration(r.oldestWaitingMs)} |`,
    ),
  ];
}

/** Window sensitivity: the same runs with the conflict window the docs do not give set lower and higher. */
function sensitivity(): string[] {
  const rows = [0, 1, 5].map((w) => {
    const one = simulateHotSku({ offeredPerSecond: 400, shards: 1, assume: { conflictWindowMs: w } });
    const many = simulateHotSku({ offeredPerSecond: 4_000, shards: SHARDS, assume: { conflictWindowMs: w } });
    return `| ${w} ms | ${count(one.achievedPerSecond)} | ${duration(one.p99Ms)} | ${count(one.backlog)} | ${count(many.achievedPerSecond)} | ${duration(many.p99Ms)} | ${count(many.backlog)} |`;
  });
  return [
    `| conflict window (assumed) | 1 item, 400/s: achieved | p99 | backlog | ${SHARDS} shards, 4,000/s: achieved | p99 | backlog |`,
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

/** The bench section for bench/RESULTS.md. */
export function renderHotSku(): string {
  const cap = (shards: number) => (shards * DYNAMODB.partitionWcuPerSecond) / DYNAMODB.wcuPerTransactItem;
  const unsharded = LOADS.map((offeredPerSecond) => simulateHotSku({ offeredPerSecond, shards: 1 }));
  const sharded = LOADS.map((offeredPerSecond) => simulateHotSku({ offeredPerSecond, shards: SHARDS }));
  const seconds = unsharded[0]!.seconds;
  return [
    '## Hot SKU: sharded stock counters',
    '',
    `${seconds} simulated seconds of reservations of one SKU (Poisson arrivals, seeded; no AWS), each one TransactWriteItems that decrements the SKU's stock item. ` +
      'Design and trade-offs: docs/CAPACITY.md § Hot SKU.',
    '',
    `- **Documented by AWS**: ${count(DYNAMODB.partitionWcuPerSecond)} WCU/s per partition; ${DYNAMODB.wcuPerTransactItem} WCU per item in a transaction; a transaction overlapping another on the same item is cancelled (TransactionConflict) and not retried by the SDK. ` +
      `Hence at most ${count(cap(1))} reservations/s on one item, ${count(cap(SHARDS))}/s on ${SHARDS} items on ${SHARDS} partitions.`,
    `- **From courier's code**: a throttled or cancelled reservation is retried by SQS after 5 s × 2^(receives − 1) with equal jitter (functions/runtime/consume/retry-delay.ts; max 15 min, DLQ after 10 receives).`,
    `- **Assumed**: a transaction holds its item for ${ASSUMED.conflictWindowMs} ms; a partition spends up to ${ASSUMED.burstMs} ms of its rate at once; a write round trip takes ${ASSUMED.callMs} ms; ` +
      `every shard item sits on its own partition; throttled and cancelled attempts spend no write units; stock never runs short; the sharded consumer tries up to ${ASSUMED.shardsTriedPerDelivery} shards per delivery before giving the record back to SQS.`,
    '- **Simulated**: every number in the tables below.',
    '',
    '### One stock item (`SKU#<sku>`, today)',
    '',
    ...table(unsharded),
    '',
    `### ${SHARDS} shard items (\`SKU#<sku>#0..${SHARDS - 1}\`), random shard, next shard on failure`,
    '',
    ...table(sharded),
    '',
    `Past ≈ ${count(cap(1))}/s the single item commits no more, and the backlog grows by the difference every second (here: ${count(unsharded.at(-1)!.backlog)} waiting after ${seconds} s at ${count(LOADS.at(-1)!)}/s); ` +
      `the oldest reservation waits the whole run. Conflicts fail reservations even below that rate, and each failure costs a redelivery (3–5 s for the first). ` +
      `${SHARDS} shards spread the writes: ${count(LOADS.at(-1)!)}/s is ${count(LOADS.at(-1)! / SHARDS)}/s per item, ${Math.round((100 * LOADS.at(-1)! * DYNAMODB.wcuPerTransactItem) / (SHARDS * DYNAMODB.partitionWcuPerSecond))} % of each partition's write units.`,
    '',
    'The conflict window is the least known input; the same runs with it at 0 (capacity alone), 1 and 5 ms:',
    '',
    ...sensitivity(),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${renderHotSku()}\n`);
}
