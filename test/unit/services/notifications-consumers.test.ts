import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/event-id';
import { evaluateCondition } from '../../../functions/testing/condition-expression';
import { validDetails } from '../../fixtures/details';
import { captureStdout, DLQ_URL, eventBridgeBody, fakeContext, InMemoryIdempotencyTable, sqsRecord, TABLE } from '../runtime/helpers';

type Row = Record<string, any>;

/**
 * The business tables in memory: conditions evaluated by courier/testing's evaluator, just enough of
 * the update language for the writes these handlers return (`ADD a :v`, `SET a = :v, …`), and
 * TransactWriteItems' all-or-nothing rule, the idempotency marker included (the consumers run in
 * optimistic mode: the marker is a conditional Put).
 */
class FakeTables {
  rows = new Map<string, Row>();
  constructor(private readonly idempotency: InMemoryIdempotencyTable) {}

  row(table: string, pk: string): Row | undefined {
    return this.rows.get(`${table}/${pk}`);
  }

  get(input: { TableName?: string; Key?: Record<string, any> }) {
    const row = this.row(input.TableName!, unmarshall(input.Key!).pk);
    return { Item: row ? marshall(row, { removeUndefinedValues: true }) : undefined };
  }

  transact(input: TransactWriteItemsCommandInput) {
    const items = input.TransactItems!;
    const reasons = items.map((item) => (this.holds(item) ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Item: this.current(item) }));
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }
    for (const item of items) this.apply(item);
    return {};
  }

  private target(item: TransactWriteItem) {
    const op = (item.Put ?? item.Update)!;
    const key: Record<string, AttributeValue> = item.Put ? (op.TableName === TABLE ? { id: item.Put.Item!.id! } : { pk: item.Put.Item!.pk! }) : item.Update!.Key!;
    return { op, table: op.TableName!, key };
  }

  private current(item: TransactWriteItem) {
    const { table, key } = this.target(item);
    if (table === TABLE) return this.idempotency.items.get(key.id!.S!);
    const row = this.row(table, unmarshall(key).pk);
    return row && marshall(row, { removeUndefinedValues: true });
  }

  private holds(item: TransactWriteItem): boolean {
    const { op } = this.target(item);
    if (!op.ConditionExpression) return true;
    return evaluateCondition(op.ConditionExpression, this.current(item), { names: op.ExpressionAttributeNames, values: op.ExpressionAttributeValues });
  }

  private apply(item: TransactWriteItem): void {
    const { table, key } = this.target(item);
    if (table === TABLE) return this.idempotency.apply(item);
    if (item.Put) {
      const row = unmarshall(item.Put.Item!);
      this.rows.set(`${table}/${row.pk}`, row);
      return;
    }
    const update = item.Update!;
    const pk = unmarshall(key).pk as string;
    const row: Row = { pk, ...this.row(table, pk) };
    const values = unmarshall(update.ExpressionAttributeValues ?? {});
    const add = /ADD (\S+) (:\w+)/.exec(update.UpdateExpression!);
    if (add) row[add[1]!] = (row[add[1]!] ?? 0) + values[add[2]!];
    const set = /SET (.+?)(?: ADD |$)/.exec(update.UpdateExpression!);
    for (const assignment of set ? set[1]!.split(', ') : []) {
      const [name, value] = assignment.split(' = ');
      row[name!] = values[value!];
    }
    this.rows.set(`${table}/${pk}`, row);
  }
}

const ddb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);
let idempotency: InMemoryIdempotencyTable;
let tables: FakeTables;
let out: ReturnType<typeof captureStdout>;

type Handler = (event: SQSEvent, context: ReturnType<typeof fakeContext>) => Promise<SQSBatchResponse>;
const handlers: Record<'auditLog' | 'loginCounter' | 'configCache', Handler> = {} as never;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    DLQ_URL,
    IDEMPOTENCY_TABLE: TABLE,
    AUDIT_TABLE: 'audit',
    LOGIN_COUNTER_TABLE: 'login-counter',
    CONFIG_CACHE_TABLE: 'config-cache',
  });
  // The runtime reads CONSUMER_NAME when the handler is created, at import.
  const load = async (name: string, module: Promise<{ handler: unknown }>) => {
    process.env.CONSUMER_NAME = name;
    return (await module).handler as Handler;
  };
  handlers.auditLog = await load('audit-log', import('../../../functions/notifications/audit-log'));
  handlers.loginCounter = await load('login-counter', import('../../../functions/notifications/login-counter'));
  handlers.configCache = await load('config-cache', import('../../../functions/notifications/config-cache'));
});
afterAll(() => {
  process.env = { ...saved };
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  idempotency = new InMemoryIdempotencyTable();
  tables = new FakeTables(idempotency);
  ddb.on(BatchExecuteStatementCommand).callsFake((input) => idempotency.batchExecuteStatement(input));
  ddb.on(PutItemCommand).callsFake((input) => idempotency.putItem(input));
  ddb.on(BatchGetItemCommand).callsFake((input) => idempotency.batchGetItem(input));
  ddb.on(GetItemCommand).callsFake((input) => tables.get(input));
  ddb.on(TransactWriteItemsCommand).callsFake((input) => tables.transact(input));
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  out = captureStdout();
  return () => out.restore();
});

const T = (minute: number) => Date.UTC(2026, 10, 28, 10, minute, 0);

/** Event ids come from the real generator, which never goes backwards in one process: build older events first. */
function login(minute: number, userId = 'user-42') {
  const detail: Record<string, any> = { ...validDetails()['user.login_succeeded.v1']!, user_id: userId, event_id: newEventId(T(minute)), occurred_at: new Date(T(minute)).toISOString() };
  return { detail, record: sqsRecord(eventBridgeBody('user.login_succeeded.v1', detail)) };
}

function configChange(minute: number, newValue: string | null, key = 'checkout.max_lines') {
  const detail: Record<string, any> = { ...validDetails()['config.changed.v1']!, key, new_value: newValue, event_id: newEventId(T(minute)), occurred_at: new Date(T(minute)).toISOString() };
  return { detail, record: sqsRecord(eventBridgeBody('config.changed.v1', detail)) };
}

/** The same message delivered again (SQS gives every delivery its own messageId). */
const redelivered = (record: SQSRecord): SQSRecord => ({ ...record, messageId: `${record.messageId}-again`, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } });

const deliver = (handler: Handler, ...records: SQSRecord[]) => handler({ Records: records }, fakeContext());
const failures = (res: SQSBatchResponse) => res.batchItemFailures.map((f) => f.itemIdentifier);
const transactions = () => ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!);

describe('audit-log consumer', () => {
  it('appends a sign-in with its detail, in one transaction with the idempotency marker', async () => {
    const { detail, record } = login(1);
    expect(failures(await deliver(handlers.auditLog, record))).toEqual([]);

    const [tx] = transactions();
    expect(tx).toHaveLength(2);
    expect(tx![0]!.Put).toMatchObject({ TableName: 'audit', ConditionExpression: 'attribute_not_exists(pk)' });
    // optimistic mode: the completed marker, put only if no live marker exists
    expect(tx![1]!.Put).toMatchObject({ TableName: TABLE, Item: { id: { S: `audit-log#${detail.event_id}` }, status: { S: 'COMPLETED' } } });
    expect(idempotency.status(`audit-log#${detail.event_id}`)).toBe('COMPLETED');
    expect(ddb.commandCalls(BatchExecuteStatementCommand)).toHaveLength(0); // nothing claimed
    expect(tables.row('audit', `user.login_succeeded.v1#${detail.event_id}`)).toMatchObject({
      detail_type: 'user.login_succeeded.v1',
      source: 'courier.identity',
      event_id: detail.event_id,
      occurred_at: detail.occurred_at,
      correlation_id: detail.correlation_id,
      detail,
    });
  });

  it('appends a config change under its own detail-type, null values included', async () => {
    const { detail, record } = configChange(1, null);
    await deliver(handlers.auditLog, record);
    expect(tables.row('audit', `config.changed.v1#${detail.event_id}`)).toMatchObject({ source: 'courier.config', detail: { ...detail, new_value: null } });
  });

  it('writes nothing for a duplicate delivery', async () => {
    const { record } = login(1);
    await deliver(handlers.auditLog, record);
    const res = await deliver(handlers.auditLog, redelivered(record));
    expect(failures(res)).toEqual([]);
    expect(transactions()).toHaveLength(1);
    expect(tables.rows.size).toBe(1);
  });

  it('leaves an existing entry as it was and acknowledges (a replay after the marker expired)', async () => {
    const { detail, record } = login(1);
    await deliver(handlers.auditLog, record);
    const before = { ...tables.row('audit', `user.login_succeeded.v1#${detail.event_id}`) };
    idempotency.items.clear();

    const res = await deliver(handlers.auditLog, redelivered(record));
    expect(failures(res)).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(tables.row('audit', `user.login_succeeded.v1#${detail.event_id}`)).toEqual(before);
    expect(idempotency.status(`audit-log#${detail.event_id}`)).toBe('COMPLETED');
  });
});

describe('login-counter consumer', () => {
  it('counts every sign-in; last_login_at only moves forward, also when an older one arrives late', async () => {
    const [first, second, third] = [login(1), login(2), login(3)];
    for (const { record } of [first, third, second]) expect(failures(await deliver(handlers.loginCounter, record))).toEqual([]);

    expect(tables.row('login-counter', 'USER#user-42')).toEqual({ pk: 'USER#user-42', user_id: 'user-42', logins: 3, last_login_at: third.detail.occurred_at });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ TableName: 'login-counter', Key: { pk: { S: 'USER#user-42' } }, ConsistentRead: true });
    // The late one only adds: its write carries no last_login_at.
    expect(transactions()[2]![0]!.Update!.UpdateExpression).toBe('ADD logins :one');
  });

  it('keeps users apart', async () => {
    await deliver(handlers.loginCounter, login(1, 'user-1').record, login(2, 'user-2').record, login(3, 'user-1').record);
    expect(tables.row('login-counter', 'USER#user-1')).toMatchObject({ logins: 2 });
    expect(tables.row('login-counter', 'USER#user-2')).toMatchObject({ logins: 1 });
  });

  it('never counts a duplicate delivery twice', async () => {
    const { record } = login(1);
    await deliver(handlers.loginCounter, record);
    await deliver(handlers.loginCounter, redelivered(record));
    expect(tables.row('login-counter', 'USER#user-42')).toMatchObject({ logins: 1 });
    expect(transactions()).toHaveLength(1);
  });

  it('retries, applying nothing, when a newer sign-in lands between its read and its commit', async () => {
    const [older, newer] = [login(4), login(5)];
    await deliver(handlers.loginCounter, newer.record);
    // This delivery's read happens before the newer sign-in was recorded.
    let stale = true;
    ddb.on(GetItemCommand).callsFake((input) => (stale ? ((stale = false), {}) : tables.get(input)));
    const res = await deliver(handlers.loginCounter, older.record);

    expect(failures(res)).toEqual([older.record.messageId]);
    expect(tables.row('login-counter', 'USER#user-42')).toMatchObject({ logins: 1, last_login_at: newer.detail.occurred_at });
    expect(idempotency.items.has(`login-counter#${older.detail.event_id}`)).toBe(false);

    expect(failures(await deliver(handlers.loginCounter, redelivered(older.record)))).toEqual([]);
    expect(tables.row('login-counter', 'USER#user-42')).toMatchObject({ logins: 2, last_login_at: newer.detail.occurred_at });
  });
});

describe('config-cache consumer', () => {
  it('stores the new value with the id of the change it applied', async () => {
    const { detail, record } = configChange(1, '100');
    expect(failures(await deliver(handlers.configCache, record))).toEqual([]);
    expect(tables.row('config-cache', 'CONFIG#checkout.max_lines')).toEqual({
      pk: 'CONFIG#checkout.max_lines',
      key: 'checkout.max_lines',
      value: '100',
      applied_event_id: detail.event_id,
      applied_occurred_at: detail.occurred_at,
    });
  });

  it('ignores an older change arriving after a newer one, and acknowledges it', async () => {
    const older = configChange(1, '75');
    const newer = configChange(2, '100');
    await deliver(handlers.configCache, newer.record);
    const res = await deliver(handlers.configCache, older.record);

    expect(failures(res)).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(tables.row('config-cache', 'CONFIG#checkout.max_lines')).toMatchObject({ value: '100', applied_event_id: newer.detail.event_id });
    expect(idempotency.status(`config-cache#${older.detail.event_id}`)).toBe('COMPLETED');
  });

  it('applies changes that arrive in order', async () => {
    const [first, second] = [configChange(1, '75'), configChange(2, '100')];
    await deliver(handlers.configCache, first.record);
    await deliver(handlers.configCache, second.record);
    expect(tables.row('config-cache', 'CONFIG#checkout.max_lines')).toMatchObject({ value: '100', applied_event_id: second.detail.event_id });
  });

  it('keeps a deletion as a tombstone, so an older value cannot come back', async () => {
    const [older, deletion] = [configChange(1, '75'), configChange(2, null)];
    await deliver(handlers.configCache, deletion.record);
    await deliver(handlers.configCache, older.record);
    expect(tables.row('config-cache', 'CONFIG#checkout.max_lines')).toMatchObject({ value: null });
  });

  it('writes nothing for a duplicate delivery', async () => {
    const { record } = configChange(1, '100');
    await deliver(handlers.configCache, record);
    await deliver(handlers.configCache, redelivered(record));
    expect(transactions()).toHaveLength(1);
  });
});
