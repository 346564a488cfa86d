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

/** An in-memory DynamoDB speaking just the operations the three variants send, with their conditions. */
class DynamoStub {
  latencyMs = 0;
  returnItemOnDuplicate = true;
  readonly items = new Map<string, Item>();
  calls = { idempotency: 0, business: 0 };

  async respond(op: string, input: any): Promise<{ status: number; body: unknown }> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const table = input.TableName ?? (input.Statements ? TABLE : undefined);
    this.calls[table === TABLE ? 'idempotency' : 'business'] += 1;
    if (table !== TABLE) return { status: 200, body: {} };
    switch (op) {
      case 'PutItem': {
        const id = input.Item.id.S;
        const existing = this.items.get(id);
        if (existing && !this.absent(existing)) return this.conditionFailed(existing);
        this.items.set(id, input.Item);
        return { status: 200, body: {} };
      }
      case 'UpdateItem': {
        const id = input.Key.id.S;
        const next = { ...(this.items.get(id) ?? input.Key) };
        for (const assignment of input.UpdateExpression.replace(/^SET /, '').split(',')) {
          const [name, value] = assignment.split('=').map((s: string) => s.trim());
          next[input.ExpressionAttributeNames?.[name] ?? name] = input.ExpressionAttributeValues[value];
        }
        this.items.set(id, next);
        return { status: 200, body: {} };
      }
      case 'DeleteItem':
        this.items.delete(input.Key.id.S);
        return { status: 200, body: {} };
      case 'BatchExecuteStatement':
        return { status: 200, body: { Responses: input.Statements.map((s: any) => this.statement(s.Statement, s.Parameters)) } };
      default:
        throw new Error(`stub: unexpected ${op}`);
    }
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
const record = (detail: Record<string, unknown>): SQSRecord => ({
  messageId: `m-${++sequence}`,
  receiptHandle: 'rh',
  body: JSON.stringify({
    version: '0', id: `eb-${sequence}`, 'detail-type': 'order.created.v1', source: 'courier.orders', account: '123456789012',
    time: '2026-11-28T10:15:31Z', region: 'eu-west-1', resources: [], detail,
  }),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:bench',
  awsRegion: 'eu-west-1',
});
const batch = (): SQSEvent => ({
  Records: Array.from({ length: RECORDS }, (_, i) =>
    record({
      event_id: newEventId(), occurred_at: '2026-11-28T10:15:30.123Z', version: 1, correlation_id: 'req-bench',
      order_id: `ord-${sequence}-${i}`, user_id: 'user-42', lines: [{ sku: 'SKU-TEA', qty: 2 }, { sku: 'SKU-RED-MUG', qty: 1 }],
      total_minor: 2598, currency: 'EUR',
    }),
  ),
});
/** A redelivery: same bodies, new SQS message ids. */
const redeliver = (event: SQSEvent): SQSEvent => ({ Records: event.Records.map((r) => ({ ...r, messageId: `${r.messageId}-again` })) });

const context = () => ({
  functionName: 'bench', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
  memoryLimitInMB: '1024', awsRequestId: `req-${sequence}`, logGroupName: '/aws/lambda/bench', logStreamName: 's',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60_000,
  done() {}, fail() {}, succeed() {},
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Run { perRecordMs: number; idempotencyCallsPerNew: number; idempotencyCallsPerDuplicate: number; businessPerDuplicate: number }

async function run(handler: Handler, withDuplicates: boolean): Promise<Run> {
  const batches = Array.from({ length: WARMUP + BATCHES }, batch);
  const times: number[] = [];
  stub.calls = { idempotency: 0, business: 0 };
  for (const [i, event] of batches.entries()) {
    if (i === WARMUP) stub.calls = { idempotency: 0, business: 0 };
    const t0 = performance.now();
    const res = await handler(event, context());
    if (i >= WARMUP) times.push(performance.now() - t0);
    if (res && res.batchItemFailures.length > 0) throw new Error(`bench: ${res.batchItemFailures.length} records failed`);
  }
  const perNew = stub.calls.idempotency / (BATCHES * RECORDS);
  let perDuplicate = 0;
  let businessPerDuplicate = 0;
  if (withDuplicates) {
    stub.calls = { idempotency: 0, business: 0 };
    for (const event of batches.slice(WARMUP)) await handler(redeliver(event), context());
    perDuplicate = stub.calls.idempotency / (BATCHES * RECORDS);
    businessPerDuplicate = stub.calls.business / (BATCHES * RECORDS);
  }
  return { perRecordMs: median(times) / RECORDS, idempotencyCallsPerNew: perNew, idempotencyCallsPerDuplicate: perDuplicate, businessPerDuplicate };
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
  const powertools = await import('./fixtures/powertools-consumer');
  const bare = await import('./fixtures/bare-consumer');

  const scenarios = [
    { title: 'records one at a time, stub latency 2 ms', latency: 2, sequential: true },
    { title: 'records in parallel (defaults: courier 10, Powertools all), stub latency 2 ms', latency: 2, sequential: false },
    { title: 'records one at a time, stub latency 0 (CPU cost only)', latency: 0, sequential: true },
  ];
  const lines = [
    '## Consumer overhead',
    '',
    `${BATCHES} batches of ${RECORDS} new \`order.created.v1\` records (after ${WARMUP} warm-up batches), then the same batches redelivered.`,
    'Each handler does one DynamoDB PutItem (its business effect). The DynamoDB stub is in-process under the SDK',
    '(serialisation, signing and parsing included) with a fixed latency per request. Times are medians per batch ÷ 10.',
    'Overhead = per-record time − the bare loop’s per-record time. Logs are built but not written (stdout discarded).',
    '',
  ];
  const summary: string[] = [];
  for (const s of scenarios) {
    stub.latencyMs = s.latency;
    const pick = (m: { handler: Handler; sequentialHandler: Handler }) => (s.sequential ? m.sequentialHandler : m.handler);
    const b = await quietly(() => run(pick(bare as any), false));
    const p = await quietly(() => run(pick(powertools as any), true));
    const c = await quietly(() => run(pick(courier as any), true));
    const over = (x: Run) => x.perRecordMs - b.perRecordMs;
    lines.push(
      `### ${s.title}`,
      '',
      '| variant | ms / record | overhead ms / record | idempotency requests / new record | / duplicate | business writes / duplicate |',
      '|---|---:|---:|---:|---:|---:|',
      `| bare loop | ${f(b.perRecordMs)} | — | — | — | — |`,
      `| Powertools batch + idempotency + parser | ${f(p.perRecordMs)} | ${f(over(p))} | ${f(p.idempotencyCallsPerNew, 2)} | ${f(p.idempotencyCallsPerDuplicate, 2)} | ${f(p.businessPerDuplicate, 2)} |`,
      `| courier consumer | ${f(c.perRecordMs)} | ${f(over(c))} | ${f(c.idempotencyCallsPerNew, 2)} | ${f(c.idempotencyCallsPerDuplicate, 2)} | ${f(c.businessPerDuplicate, 2)} |`,
      '',
      `- courier overhead / Powertools overhead: **${f(over(c) / over(p), 2)}** (budget ≤ 0.3)`,
      `- courier / bare loop, per record: **${f(c.perRecordMs / b.perRecordMs, 2)}** (budget ≤ 1.5)`,
      '',
    );
    summary.push(`${s.title}: overhead ratio ${f(over(c) / over(p), 2)}, courier/bare ${f(c.perRecordMs / b.perRecordMs, 2)}`);
  }

  // Duplicates when DuplicateItem does not carry the existing item (AWS does not document that it does).
  stub.latencyMs = 0;
  stub.returnItemOnDuplicate = false;
  const fallback = await quietly(() => run(courier.sequentialHandler as Handler, true));
  stub.returnItemOnDuplicate = true;
  lines.push(
    `If a PartiQL DuplicateItem error does not return the existing item, courier resolves each conflict with one conditional PutItem (ALL_OLD): measured **${f(fallback.idempotencyCallsPerDuplicate, 2)}** requests per duplicate.`,
    '',
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runConsumerBench().then((md) => console.log(md));
}
