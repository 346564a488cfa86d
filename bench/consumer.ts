/**
 * Consumer overhead: the same 10-record batches through (a) courier's consumer, (b) the Powertools
 * equivalent (batch + idempotency + parser), (c) a bare loop, all against one in-process DynamoDB stub
 * with a fixed latency. The stub sits under the SDK (NodeHttpHandler.prototype.handle), so serialising,
 * signing and parsing every request is part of what is measured, as in Lambda.
 *
 * Run alone: npx tsx bench/consumer.ts
 */
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { newEventId } from '../functions/contracts/event-id';

const BATCHES = 200;
const WARMUP = 20;
const RECORDS = 10;
const TABLE = 'bench-idempotency';

type Item = Record<string, Record<string, string>>;
type Handler = (event: SQSEvent, context: any) => Promise<SQSBatchResponse | void>;

/**
 * An in-memory DynamoDB speaking just the operations the variants send, with their conditions. It counts
 * every request, the business writes actually applied, and the rounds of waiting: a round starts when a
 * request is sent while none is in flight, so the rounds of a batch are its sequential waits.
 */
class DynamoStub {
  latencyMs = 0;
  returnItemOnDuplicate = true;
  readonly items = new Map<string, Item>();
  counts = { requests: 0, businessApplied: 0, rounds: 0 };
  private inFlight = 0;

  async respond(op: string, input: any): Promise<{ status: number; body: unknown }> {
    this.counts.requests += 1;
    if (this.inFlight++ === 0) this.counts.rounds += 1;
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      return this.execute(op, input);
    } finally {
      this.inFlight -= 1;
    }
  }

  private execute(op: string, input: any): { status: number; body: unknown } {
    switch (op) {
      case 'PutItem': {
        if (input.TableName !== TABLE) return this.business(1);
        const id = input.Item.id.S;
        const existing = this.items.get(id);
        if (existing && !this.absent(existing)) return this.conditionFailed(existing);
        this.items.set(id, input.Item);
        return { status: 200, body: {} };
      }
      case 'UpdateItem': {
        if (input.TableName !== TABLE) return this.business(1);
        this.update(input);
        return { status: 200, body: {} };
      }
      case 'DeleteItem':
        this.items.delete(input.Key.id.S);
        return { status: 200, body: {} };
      case 'BatchExecuteStatement':
        return { status: 200, body: { Responses: input.Statements.map((s: any) => this.statement(s.Statement, s.Parameters)) } };
      case 'BatchGetItem': {
        const keys: { id: { S: string } }[] = input.RequestItems[TABLE]?.Keys ?? [];
        return { status: 200, body: { Responses: { [TABLE]: keys.flatMap((k): Item[] => { const item = this.items.get(k.id.S); return item ? [item] : []; }) }, UnprocessedKeys: {} } };
      }
      case 'TransactWriteItems':
        return this.transact(input.TransactItems);
      default:
        throw new Error(`stub: unexpected ${op}`);
    }
  }

  /** Marker items are checked (the optimistic put: no live marker; the completion: our lease token); business items always pass. */
  private transact(items: any[]): { status: number; body: unknown } {
    const reasons = items.map((t) => {
      const marker = t.Put?.TableName === TABLE ? t.Put : t.Update?.TableName === TABLE ? t.Update : undefined;
      if (!marker) return { Code: 'None' };
      const existing = this.items.get((marker.Item ?? marker.Key).id.S);
      const ok = t.Put ? !existing || this.absent(existing) : existing?.lease_token?.S === marker.ExpressionAttributeValues[':token'].S;
      return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', ...(marker.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing && { Item: existing }) };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', message: 'Transaction cancelled', CancellationReasons: reasons } };
    }
    for (const t of items) {
      if (t.Put?.TableName === TABLE) this.items.set(t.Put.Item.id.S, t.Put.Item);
      else if (t.Update?.TableName === TABLE) this.update(t.Update);
      else this.counts.businessApplied += 1;
    }
    return { status: 200, body: {} };
  }

  private update(input: any): void {
    const id = input.Key.id.S;
    const next = { ...(this.items.get(id) ?? input.Key) };
    for (const assignment of input.UpdateExpression.replace(/^SET /, '').split(',')) {
      const [name, value] = assignment.split('=').map((s: string) => s.trim());
      next[input.ExpressionAttributeNames?.[name] ?? name] = input.ExpressionAttributeValues[value];
    }
    this.items.set(id, next);
  }

  private business(writes: number) {
    this.counts.businessApplied += writes;
    return { status: 200, body: {} };
  }

  private statement(text: string, p: Record<string, string>[]) {
    if (text.startsWith('INSERT')) {
      const existing = this.items.get(p[0]!.S!);
      if (existing) return { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table', ...(this.returnItemOnDuplicate && { Item: existing }) } };
      this.items.set(p[0]!.S!, { id: p[0]!, status: p[1]!, lease_token: p[2]!, lease_expires_at: p[3]!, expires_at: p[4]! });
      return {};
    }
    const id = text.startsWith('UPDATE') ? p[2]!.S! : p[0]!.S!;
    const token = text.startsWith('UPDATE') ? p[3]!.S : p[1]!.S;
    const existing = this.items.get(id);
    if (existing?.lease_token?.S !== token) return { Error: { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } };
    if (text.startsWith('UPDATE')) this.items.set(id, { ...existing, status: p[0]!, expires_at: p[1]! });
    else this.items.delete(id);
    return {};
  }

  private absent(item: Item): boolean {
    const now = Date.now();
    if (Number(item.expires_at?.N ?? Infinity) < now / 1000) return true;
    return item.status?.S !== 'COMPLETED' && Number(item.lease_expires_at?.N ?? Infinity) < now;
  }

  private conditionFailed(item: Item) {
    return { status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException', message: 'The conditional request failed', Item: item } };
  }
}

const stub = new DynamoStub();

function installStub(): void {
  NodeHttpHandler.prototype.handle = async function (request: any) {
    const target: string = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
    const { status, body: out } = await stub.respond(target.split('.')[1]!, JSON.parse(body));
    return {
      response: {
        statusCode: status,
        reason: status === 200 ? 'OK' : 'Bad Request',
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Readable.from([Buffer.from(JSON.stringify(out))]),
      },
    } as any;
  };
}

let sequence = 0;
/** `receiveCount` > 1 marks the record as an SQS redelivery. */
const record = (detail: Record<string, unknown>, receiveCount = 1): SQSRecord => ({
  messageId: `m-${++sequence}`,
  receiptHandle: 'rh',
  body: JSON.stringify({
    version: '0', id: `eb-${sequence}`, 'detail-type': 'order.created.v1', source: 'courier.orders', account: '123456789012',
    time: '2026-11-28T10:15:31Z', region: 'eu-west-1', resources: [], detail,
  }),
  attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:bench',
  awsRegion: 'eu-west-1',
});
const batch = (receiveCount: number): SQSEvent => ({
  Records: Array.from({ length: RECORDS }, (_, i) =>
    record(
      {
        event_id: newEventId(), occurred_at: '2026-11-28T10:15:30.123Z', version: 1, correlation_id: 'req-bench',
        order_id: `ord-${sequence}-${i}`, user_id: 'user-42', lines: [{ sku: 'SKU-TEA', qty: 2 }, { sku: 'SKU-RED-MUG', qty: 1 }],
        total_minor: 2598, currency: 'EUR',
      },
      receiveCount,
    ),
  ),
});
/** The same bodies again under new SQS message ids: an SQS redelivery (receive count 2), or a second send (receive count 1). */
const again = (event: SQSEvent, receiveCount: number): SQSEvent => ({
  Records: event.Records.map((r) => ({ ...r, messageId: `${r.messageId}-again`, attributes: { ...r.attributes, ApproximateReceiveCount: String(receiveCount) } })),
});

const context = () => ({
  functionName: 'bench', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
  memoryLimitInMB: '1024', awsRequestId: `req-${sequence}`, logGroupName: '/aws/lambda/bench', logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60_000,
  done() {}, fail() {}, succeed() {},
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Duplicates { requests: number; businessApplied: number }
interface Run {
  perRecordMs: number;
  requestsPerNew: number;
  waitsPerBatch: number;
  /** SQS redeliveries (receive count 2) of processed records. */
  redelivered?: Duplicates;
  /** Second sends of processed records arriving as first deliveries (receive count 1). */
  resent?: Duplicates;
}

interface Variant { handler: Handler; duplicates: boolean; /** 2 makes every new record look like a redelivery (markers read before every batch). */ newReceiveCount?: number }

/**
 * Times the variants interleaved, batch i of each in turn, so a change in the machine's load during the
 * run (2 shared cores) weighs on every variant alike; then measures each one's duplicates.
 */
async function runAll(variants: readonly Variant[]): Promise<Run[]> {
  const batches = variants.map((v) => Array.from({ length: WARMUP + BATCHES }, () => batch(v.newReceiveCount ?? 1)));
  const times = variants.map((): number[] => []);
  const counts = variants.map(() => ({ requests: 0, rounds: 0 }));
  for (let i = 0; i < WARMUP + BATCHES; i++) {
    for (const [k, v] of variants.entries()) {
      const before = { ...stub.counts };
      const t0 = performance.now();
      const res = await v.handler(batches[k]![i]!, context());
      const elapsed = performance.now() - t0;
      if (res && res.batchItemFailures.length > 0) throw new Error(`bench: ${res.batchItemFailures.length} records failed`);
      if (i < WARMUP) continue;
      times[k]!.push(elapsed);
      counts[k]!.requests += stub.counts.requests - before.requests;
      counts[k]!.rounds += stub.counts.rounds - before.rounds;
    }
  }
  const records = BATCHES * RECORDS;
  const duplicates = async (v: Variant, sent: SQSEvent[], receiveCount: number): Promise<Duplicates> => {
    stub.counts = { requests: 0, businessApplied: 0, rounds: 0 };
    for (const event of sent) await v.handler(again(event, receiveCount), context());
    return { requests: stub.counts.requests / records, businessApplied: stub.counts.businessApplied / records };
  };
  const runs: Run[] = [];
  for (const [k, v] of variants.entries()) {
    const run: Run = { perRecordMs: median(times[k]!) / RECORDS, requestsPerNew: counts[k]!.requests / records, waitsPerBatch: counts[k]!.rounds / BATCHES };
    const sent = batches[k]!.slice(WARMUP);
    runs.push(v.duplicates ? { ...run, redelivered: await duplicates(v, sent, 2), resent: await duplicates(v, sent, 1) } : run);
  }
  return runs;
}

/** Runs `work` with stdout discarded (courier logs a line per record); the JSON is still built. */
async function quietly<T>(work: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await work();
  } finally {
    process.stdout.write = write;
  }
}

const f = (n: number, digits = 3) => n.toFixed(digits);

export async function runConsumerBench(): Promise<string> {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_LAMBDA_FUNCTION_NAME: 'bench',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1', IDEMPOTENCY_TABLE: TABLE, CONSUMER_NAME: 'bench',
    DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/bench-dlq', RESERVATIONS_TABLE: 'reservations',
  });
  delete process.env.AWS_ENDPOINT_URL;
  installStub();
  const courier = await import('./fixtures/courier-consumer');
  const exactlyOnce = await import('./fixtures/courier-exactly-once-consumer');
  const powertools = await import('./fixtures/powertools-consumer');
  const bare = await import('./fixtures/bare-consumer');

  const scenarios = [
    { title: 'records one at a time, stub latency 2 ms', latency: 2, sequential: true, budget: undefined },
    { title: 'records in parallel (defaults: courier 10, Powertools all), stub latency 2 ms', latency: 2, sequential: false, budget: 1.5 },
    { title: 'records one at a time, stub latency 0 (CPU cost only)', latency: 0, sequential: true },
  ];
  type Pair = { handler: Handler; sequentialHandler: Handler };
  const variants: { name: string; module: Pair; newReceiveCount?: number }[] = [
    { name: 'courier, claim (handler writes itself; today’s default)', module: courier as unknown as Pair },
    { name: 'courier exactly-once, claim (writes returned)', module: exactlyOnce.claim as Pair },
    { name: 'courier exactly-once, **optimistic**', module: exactlyOnce.optimistic as Pair },
    { name: 'courier exactly-once, optimistic, markers read before every batch', module: exactlyOnce.optimistic as Pair, newReceiveCount: 2 },
  ];
  const lines = [
    '## Consumer overhead',
    '',
    `${BATCHES} batches of ${RECORDS} new \`order.created.v1\` records (after ${WARMUP} warm-up batches), then the same batches again, as SQS`,
    'redeliveries (receive count 2) and as second sends (receive count 1: a producer or EventBridge duplicate). Each handler makes one',
    'DynamoDB write (its business effect): performed by the handler, or returned for the runtime to commit with the marker (exactly-once).',
    'The DynamoDB stub is in-process under the SDK (serialisation, signing and parsing included) with a fixed latency per request.',
    'The variants are timed interleaved (batch i of each in turn), so load changes on the shared machine weigh on all alike.',
    'Times are medians per batch ÷ 10; overhead = per-record time − the bare loop’s. Requests count every DynamoDB request, the business',
    'write included; sequential waits are the rounds of requests a batch waits for one after another. Logs are built, not written.',
    '',
  ];
  const f2 = (n: number | undefined) => (n === undefined ? '—' : f(n, 2));
  for (const s of scenarios) {
    stub.latencyMs = s.latency;
    const pick = (m: Pair) => (s.sequential ? m.sequentialHandler : m.handler);
    const all = await quietly(() =>
      runAll([
        { handler: pick(bare as unknown as Pair), duplicates: false },
        { handler: pick(powertools as unknown as Pair), duplicates: true },
        ...variants.map((v) => ({ handler: pick(v.module), duplicates: true, newReceiveCount: v.newReceiveCount })),
      ]),
    );
    const [b, p] = [all[0]!, all[1]!];
    const measured = variants.map((v, k): [string, Run] => [v.name, all[k + 2]!]);
    const over = (x: Run) => x.perRecordMs - b.perRecordMs;
    const row = (name: string, x: Run, base = false) =>
      `| ${name} | ${f(x.perRecordMs)} | ${base ? '—' : f(over(x))} | ${base ? '—' : f(x.perRecordMs / b.perRecordMs, 2)} | ${f2(x.requestsPerNew)} | ${f(x.waitsPerBatch, 1)} | ${f2(x.redelivered?.requests)} | ${f2(x.resent?.requests)} | ${f2(x.redelivered && x.resent && (x.redelivered.businessApplied + x.resent.businessApplied) / 2)} |`;
    lines.push(
      `### ${s.title}`,
      '',
      '| variant | ms / record | overhead ms / record | × bare | DynamoDB requests / new record | sequential waits / batch | requests / redelivered duplicate | / resent duplicate | business writes / duplicate |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      row('bare loop', b, true),
      row('Powertools batch + idempotency + parser', p),
      ...measured.map(([name, x]) => row(name, x)),
      '',
    );
    const [today, , optimistic] = measured.map(([, x]) => x);
    const ratio = (x: Run) => f(x.perRecordMs / b.perRecordMs, 2);
    lines.push(
      `- courier (claim) overhead / Powertools overhead: **${f(over(today!) / over(p), 2)}** (budget ≤ 0.3)`,
      s.budget
        ? `- courier optimistic / bare loop, per record: **${ratio(optimistic!)}** (budget ≤ ${s.budget}); courier claim / bare: ${ratio(today!)}`
        : `- courier optimistic / bare loop, per record: **${ratio(optimistic!)}**, courier claim (today) / bare: **${ratio(today!)}** (optimistic no worse than today)`,
      '',
    );
  }

  // Duplicates when DuplicateItem does not carry the existing item (AWS does not document that it does).
  stub.latencyMs = 0;
  stub.returnItemOnDuplicate = false;
  const fallback = (await quietly(() => runAll([{ handler: courier.sequentialHandler as Handler, duplicates: true }])))[0]!;
  stub.returnItemOnDuplicate = true;
  lines.push(
    `If a PartiQL DuplicateItem error does not return the existing item, courier (claim) resolves each conflict with one conditional PutItem (ALL_OLD): measured **${f(fallback.redelivered!.requests, 2)}** requests per duplicate.`,
    '',
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runConsumerBench().then((md) => console.log(md));
}
