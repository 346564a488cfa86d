import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { OrderCreatedV1 } from '../../../functions/events/orders';
import { consumer } from '../../../functions/runtime/consume/consumer';
import { startInvocation } from '../../../functions/runtime/support/invocation';
import { createLogger, logLevelFromEnv, type LogLevel } from '../../../functions/runtime/support/log';
import { captureStdout, DLQ_URL, fakeContext, InMemoryIdempotencyTable, orderRecord, sqsRecord, TABLE } from './helpers';

/**
 * The keys and value shapes Powertools for AWS Lambda's Logger writes (PowertoolsLogFormatter, 2.x),
 * plus courier's own record keys: what a team's existing Logs Insights queries rely on. courier leaves
 * out function_arn, function_memory_size and sampling_rate (see functions/runtime/support/log.ts).
 */
const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const powertoolsLine = z.looseObject({
  level: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL']),
  message: z.string(),
  timestamp: z.iso.datetime(),
  service: z.string().check(z.minLength(1)),
  cold_start: z.boolean(),
  function_name: z.string().check(z.minLength(1)),
  function_request_id: z.string().check(z.minLength(1)),
  xray_trace_id: z.string().check(z.regex(XRAY_TRACE_ID)),
});
const courierRecordLine = z.extend(powertoolsLine, {
  consumer: z.string(),
  correlation_id: z.string(),
  event_id: z.string(),
  detail_type: z.string(),
  outcome: z.enum(['processed', 'duplicate', 'retry', 'quarantined']),
});

const INVOCATION_TRACE = 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=1111222233334444;Sampled=1';
const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
let out: ReturnType<typeof captureStdout>;
const saved = { ...process.env };

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  new InMemoryIdempotencyTable().install(ddb);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  Object.assign(process.env, { CONSUMER_NAME: 'inventory-reserve', DLQ_URL, POWERTOOLS_SERVICE_NAME: 'inventory', _X_AMZN_TRACE_ID: INVOCATION_TRACE });
  out = captureStdout();
});
afterEach(() => {
  out.restore();
  process.env = { ...saved };
});

const logLines = () => out.lines.filter((l) => !l._aws);
const make = (over: Partial<Parameters<typeof consumer<readonly [typeof OrderCreatedV1]>>[0]> = {}) =>
  consumer({ events: [OrderCreatedV1] as const, idempotency: { table: TABLE }, handle: async () => {}, ...over });

describe('log lines as Powertools Logger writes them', () => {
  it('every line of a consumer batch validates against Powertools’ keys, and record lines carry courier’s', async () => {
    const handler = make({ handle: async (_e, { log }) => log.info('reserving') });
    await handler({ Records: [orderRecord(), orderRecord(), sqsRecord('not json')] }, fakeContext());
    const lines = logLines();
    expect(lines.length).toBeGreaterThanOrEqual(5); // two handler lines, three outcome lines
    for (const line of lines) expect(powertoolsLine.safeParse(line).error?.issues ?? [], JSON.stringify(line)).toEqual([]);
    const outcomes = lines.filter((l) => l.outcome);
    expect(outcomes).toHaveLength(3);
    for (const line of outcomes.filter((l) => l.outcome === 'processed')) {
      expect(courierRecordLine.safeParse(line).error?.issues ?? [], JSON.stringify(line)).toEqual([]);
    }
    expect(lines[0]).toMatchObject({ service: 'inventory', function_name: 'test-function', function_request_id: 'req-1', xray_trace_id: '1-67a1b2c3-0123456789abcdef01234567' });
  });

  it('uses Powertools’ base keys, in its order, with the same values, as a real Powertools Logger line', () => {
    const context = fakeContext();
    const powertools = new PowertoolsLogger({ serviceName: 'inventory' });
    powertools.addContext(context);
    startInvocation(context);
    powertools.info('hello', { order_id: 'o-1' });
    createLogger().info('hello', { order_id: 'o-1' });
    const [theirs, ours] = logLines();
    const omitted = ['function_arn', 'function_memory_size', 'sampling_rate'];
    expect(Object.keys(ours!)).toEqual(Object.keys(theirs!).filter((k) => !omitted.includes(k)));
    expect(Object.keys(theirs!)).toEqual(expect.arrayContaining(omitted));
    // Powertools counts a cold start only when AWS_LAMBDA_INITIALIZATION_TYPE says on-demand
    const { timestamp: _t, cold_start: _c, function_arn: _a, function_memory_size: _m, sampling_rate: _s, ...same } = theirs!;
    expect(ours).toMatchObject(same);
  });

  it('a Powertools Logger passed as `logger` writes the runtime’s and the handler’s lines, with courier’s record keys', async () => {
    const powertools = new PowertoolsLogger({ serviceName: 'from-powertools' });
    const handler = make({ logger: powertools, handle: async (_e, { log }) => log.info('reserving', { sku: 'SKU-TEA' }) });
    const record = orderRecord();
    await handler({ Records: [record] }, fakeContext());
    const mine = logLines().filter((l) => l.message_id === record.messageId);
    expect(mine.map((l) => l.message)).toEqual(['reserving', 'record processed']);
    for (const line of mine) {
      expect(line).toMatchObject({ level: 'INFO', service: 'from-powertools', consumer: 'inventory-reserve', detail_type: 'order.created.v1', correlation_id: 'req-7f3a' });
      expect(line.event_id).toBe(JSON.parse(record.body).detail.event_id);
    }
    expect(mine[0]!.sku).toBe('SKU-TEA');
  });
});

describe('log level and service from the environment', () => {
  const levelOf = (env: Record<string, string>) => logLevelFromEnv(env);

  it('takes AWS_LAMBDA_LOG_LEVEL, then POWERTOOLS_LOG_LEVEL, then LOG_LEVEL, case-insensitive; INFO by default', () => {
    expect(levelOf({})).toBe('INFO');
    expect(levelOf({ LOG_LEVEL: 'debug' })).toBe('DEBUG');
    expect(levelOf({ LOG_LEVEL: 'debug', POWERTOOLS_LOG_LEVEL: 'warn' })).toBe('WARN');
    expect(levelOf({ LOG_LEVEL: 'debug', POWERTOOLS_LOG_LEVEL: 'warn', AWS_LAMBDA_LOG_LEVEL: 'ERROR' })).toBe('ERROR');
    expect(levelOf({ AWS_LAMBDA_LOG_LEVEL: 'FATAL' })).toBe('CRITICAL');
    // an unknown value is skipped, not fatal
    expect(levelOf({ AWS_LAMBDA_LOG_LEVEL: 'loud', POWERTOOLS_LOG_LEVEL: 'debug' })).toBe('DEBUG');
  });

  it.each<[Record<string, string>, string[]]>([
    [{}, ['INFO', 'WARN', 'ERROR']],
    [{ POWERTOOLS_LOG_LEVEL: 'DEBUG' }, ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    [{ LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'WARN' }, ['WARN', 'ERROR']],
    [{ POWERTOOLS_LOG_LEVEL: 'SILENT' }, []],
  ])('with %j writes the levels %j', (env, written) => {
    for (const k of ['AWS_LAMBDA_LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL']) delete process.env[k];
    Object.assign(process.env, env);
    const lines: { level: LogLevel }[] = [];
    const log = createLogger({}, (l) => lines.push(JSON.parse(l)));
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => l.level)).toEqual(written);
  });

  it('service: POWERTOOLS_SERVICE_NAME, else SERVICE_NAME; a line’s own fields cannot replace the reserved keys', () => {
    const lines: Record<string, unknown>[] = [];
    process.env.SERVICE_NAME = 'orders';
    delete process.env.POWERTOOLS_SERVICE_NAME;
    createLogger({}, (l) => lines.push(JSON.parse(l))).info('a');
    process.env.POWERTOOLS_SERVICE_NAME = 'orders-pt';
    createLogger({ service: 'not-this' }, (l) => lines.push(JSON.parse(l))).child({ level: 'nope' }).info('b', { message: 'nor this', timestamp: 'x' });
    expect(lines.map((l) => [l.service, l.level, l.message])).toEqual([
      ['orders', 'INFO', 'a'],
      ['orders-pt', 'INFO', 'b'],
    ]);
    expect(lines[1]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
