import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_ID_PATTERN } from '../../../functions/contracts/event-id';

const ddb = mockClient(DynamoDBClient);
const eventBridge = mockClient(EventBridgeClient);
const saved = { ...process.env };
let handler: (request: APIGatewayProxyEventV2) => Promise<unknown>;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    SERVICE_NAME: 'notifications',
    EVENT_BUS_NAME: 'courier-bus',
    FAILED_MESSAGE_TABLE: 'failed',
    OUTBOX_TABLE: 'outbox',
    CONFIG_TABLE: 'config',
    COURIER_API_AUTH: 'iam',
    COURIER_API_PERMISSION_ROLES: JSON.stringify({ 'config:write': CONFIG_ROLE, 'users:on-behalf-of': IDENTITY_ROLE }),
  });
  ({ handler } = await import('../../../functions/notifications/api'));
});
afterAll(() => {
  process.env = { ...saved };
});
beforeEach(() => {
  ddb.reset();
  eventBridge.reset();
  // Quiet logs and EMF; zero backoff so the publisher's in-call retries run at once.
  vi.spyOn(process.stdout, 'write').mockReturnValue(true);
  vi.spyOn(Math, 'random').mockReturnValue(0);
  return () => vi.restoreAllMocks();
});

const ACCOUNT = '123456789012';
const CONFIG_ROLE = `arn:aws:iam::${ACCOUNT}:role/CourierNotifications-HttpConfigWriteRole-A1`;
const IDENTITY_ROLE = `arn:aws:iam::${ACCOUNT}:role/CourierNotifications-HttpUsersOnBehalfOfRole-B2`;
const sessionOf = (role: string) => ({ iam: { userArn: role.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + '/ops', accountId: ACCOUNT } });
/** An operator holding config:write (a session of the config-write role). */
const CONFIG_ADMIN = sessionOf(CONFIG_ROLE);
/** The identity service that records sign-ins (a session of the on-behalf-of role). */
const IDENTITY_SERVICE = sessionOf(IDENTITY_ROLE);
const signedIn = (sub: string, scope = 'openid') => ({ jwt: { claims: { sub, scope }, scopes: null } });
type Authorizer = ReturnType<typeof signedIn> | typeof CONFIG_ADMIN;

/** By default: sign-ins from user-42 themself, config from the config admin; `null`: no identity. */
function request(routeKey: string, body?: unknown, pathParameters?: Record<string, string>, caller: Authorizer | null = routeKey.includes('config') ? CONFIG_ADMIN : signedIn('user-42'), headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    routeKey,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters,
    requestContext: { requestId: 'req-1', ...(caller ? { authorizer: caller } : {}) },
  } as unknown as APIGatewayProxyEventV2;
}

async function call(req: APIGatewayProxyEventV2) {
  const res = (await handler(req)) as APIGatewayProxyStructuredResultV2;
  return { status: res.statusCode, headers: res.headers, body: JSON.parse(res.body as string) };
}

const errorPaths = (body: { details?: { errors: { path: string }[] } }) => [...new Set(body.details!.errors.map((e) => e.path))].sort();

describe('POST /logins', () => {
  const login = { user_id: 'user-42', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };
  const post = (body: unknown = login) => call(request('POST /logins', body));

  it('publishes user.login_succeeded.v1 and answers 202 with its event_id', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'eb-1' }], FailedEntryCount: 0 });
    const res = await post();

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ event_id: expect.stringMatching(EVENT_ID_PATTERN), outcome: 'published' });
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ EventBusName: 'courier-bus', Source: 'courier.identity', DetailType: 'user.login_succeeded.v1' });
    expect(JSON.parse(entry!.Detail!)).toMatchObject({ ...login, event_id: res.body.event_id, version: 1, correlation_id: res.body.event_id });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('keeps the event in the failed-message table when the bus keeps failing, and still answers 202', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }], FailedEntryCount: 1 });
    ddb.on(PutItemCommand).resolves({});
    const res = await post();

    expect(res.status).toBe(202);
    expect(res.body.outcome).toBe('stored');
    const put = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.TableName).toBe('failed');
    const row = unmarshall(put.Item!);
    expect(row).toMatchObject({ event_id: res.body.event_id, status: 'DUE', due: 'DUE', attempts: 1 });
    expect(JSON.parse(JSON.parse(row.entry).Detail)).toMatchObject(login);
  });

  it('answers 503 only when the event is lost (neither published nor stored)', async () => {
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    ddb.on(PutItemCommand).rejects(new Error('DynamoDB unavailable'));
    const res = await post();

    expect(res.status).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1' });
    expect(ddb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('answers 400 naming every invalid path, publishing nothing', async () => {
    const res = await post({ user_id: 'has space', ip: '999.1.1.1', extra: true });
    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toEqual(['', 'ip', 'user_agent', 'user_id']);
    expect(eventBridge.calls()).toHaveLength(0);
  });
});

describe('PUT /config/{key}', () => {
  const key = 'checkout.max_lines';
  const put = (body: unknown, k = key) => call(request('PUT /config/{key}', body, { key: k }));
  const stored = (value: string | null, version: number) => ({ Item: marshall({ pk: `CONFIG#${key}`, key, value, version, updated_at: '2026-11-28T09:00:00.000Z', updated_by: 'ops-bob' }) });
  const transaction = () => ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;

  it('creates a key: the value and its config.changed.v1 outbox row in one transaction', async () => {
    ddb.on(GetItemCommand).resolves({});
    ddb.on(TransactWriteItemsCommand).resolves({});
    const res = await put({ value: '100', changed_by: 'ops-alice' });

    expect(res.status).toBe(202);
    expect(res.body).toEqual({ key, value: '100', version: 1, changed: true, event_id: expect.stringMatching(EVENT_ID_PATTERN) });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input).toMatchObject({ TableName: 'config', Key: { pk: { S: `CONFIG#${key}` } }, ConsistentRead: true });
    const [write, outboxRow, ...rest] = transaction();
    expect(rest).toEqual([]);
    expect(write!.Put).toMatchObject({ TableName: 'config', ConditionExpression: 'attribute_not_exists(pk)' });
    expect(unmarshall(write!.Put!.Item!)).toMatchObject({ pk: `CONFIG#${key}`, key, value: '100', version: 1, updated_by: 'ops-alice' });
    expect(outboxRow!.Put).toMatchObject({ TableName: 'outbox', ConditionExpression: 'attribute_not_exists(event_id)' });
    const row = unmarshall(outboxRow!.Put!.Item!);
    expect(row).toMatchObject({ event_id: res.body.event_id, detail_type: 'config.changed.v1', source: 'courier.config', status: 'PENDING' });
    expect(JSON.parse(row.detail)).toMatchObject({ key, old_value: null, new_value: '100', changed_by: 'ops-alice' });
  });

  it('changes a key only if it is still at the version read, announcing old and new value', async () => {
    ddb.on(GetItemCommand).resolves(stored('50', 3));
    ddb.on(TransactWriteItemsCommand).resolves({});
    const res = await put({ value: '100', changed_by: 'ops-alice' });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ value: '100', version: 4 });
    const [write, outboxRow] = transaction();
    expect(write!.Put).toMatchObject({ ConditionExpression: '#version = :seen', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':seen': { N: '3' } } });
    expect(JSON.parse(unmarshall(outboxRow!.Put!.Item!).detail)).toMatchObject({ old_value: '50', new_value: '100' });
  });

  it('deletes with value null: a tombstone at the next version, announced with new_value null', async () => {
    ddb.on(GetItemCommand).resolves(stored('50', 3));
    ddb.on(TransactWriteItemsCommand).resolves({});
    const res = await put({ value: null, changed_by: 'ops-alice' });

    expect(res.status).toBe(202);
    const [write, outboxRow] = transaction();
    expect(unmarshall(write!.Put!.Item!)).toMatchObject({ value: null, version: 4 });
    expect(JSON.parse(unmarshall(outboxRow!.Put!.Item!).detail)).toMatchObject({ old_value: '50', new_value: null });
  });

  it('answers 409 when the key changed between the read and the write', async () => {
    ddb.on(GetItemCommand).resolves(stored('50', 3));
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    const res = await put({ value: '100', changed_by: 'ops-alice' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain(key);
  });

  it('answers 500, not 409, when the transaction fails for another reason', async () => {
    ddb.on(GetItemCommand).resolves({});
    ddb.on(TransactWriteItemsCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }] }),
    );
    expect((await put({ value: '100', changed_by: 'ops-alice' })).status).toBe(500);
  });

  it('answers 200 without a write or an event when the value is unchanged', async () => {
    ddb.on(GetItemCommand).resolves(stored('100', 3));
    const res = await put({ value: '100', changed_by: 'ops-alice' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ key, value: '100', version: 3, changed: false });
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('treats deleting a key that does not exist as unchanged', async () => {
    ddb.on(GetItemCommand).resolves({});
    const res = await put({ value: null, changed_by: 'ops-alice' });
    expect(res).toMatchObject({ status: 200, body: { value: null, version: 0, changed: false } });
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('answers 400 for a key outside the contract pattern, before any read', async () => {
    const res = await put({ value: '1', changed_by: 'ops-alice' }, 'Bad Key!');
    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toEqual(['key']);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 400 naming every invalid body path', async () => {
    const res = await put({ value: 'x'.repeat(4097), changed_by: '', extra: 1 });
    expect(res.status).toBe(400);
    expect(errorPaths(res.body)).toEqual(['', 'changed_by', 'value']);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('GET /config/{key}', () => {
  const get = (key = 'checkout.max_lines') => call(request('GET /config/{key}', undefined, { key }));

  it('returns the stored value, read consistently', async () => {
    ddb.on(GetItemCommand).resolves({ Item: marshall({ pk: 'CONFIG#checkout.max_lines', key: 'checkout.max_lines', value: '100', version: 4, updated_at: '2026-11-28T10:00:00.000Z', updated_by: 'ops-alice' }) });
    const res = await get();
    expect(res).toEqual({
      status: 200,
      headers: expect.anything(),
      body: { key: 'checkout.max_lines', value: '100', version: 4, updated_at: '2026-11-28T10:00:00.000Z', updated_by: 'ops-alice' },
    });
    expect(ddb.commandCalls(GetItemCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('answers 404 for a key never set, and for a deleted one', async () => {
    ddb.on(GetItemCommand).resolvesOnce({}).resolvesOnce({ Item: marshall({ pk: 'CONFIG#a', key: 'a', value: null, version: 2 }) });
    expect((await get()).status).toBe(404);
    expect((await get('a')).status).toBe(404);
  });

  it('answers 400 for an invalid key', async () => {
    expect((await get('UPPER')).status).toBe(400);
  });
});

describe('who may sign in whom, read and change configuration', () => {
  const login = { user_id: 'user-42', ip: '203.0.113.7', user_agent: 'Mozilla/5.0' };
  const change = { value: '100', changed_by: 'ops-alice' };
  const key = { key: 'checkout.max_lines' };

  it('answers 401 without a caller identity, on every route, touching nothing', async () => {
    for (const [route, body, params] of [['POST /logins', login], ['PUT /config/{key}', change, key], ['GET /config/{key}', undefined, key]] as const) {
      expect(await call(request(route, body, params, null)), route).toMatchObject({ status: 401, body: { message: expect.stringContaining('no caller identity') } });
    }
    expect(ddb.calls()).toHaveLength(0);
    expect(eventBridge.calls()).toHaveLength(0);
  });

  it('a sign-in is recorded for the signed-in user, or by the identity service for the user it names; any other user is refused (403)', async () => {
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'eb-1' }], FailedEntryCount: 0 });
    expect((await call(request('POST /logins', login, undefined, IDENTITY_SERVICE, { 'x-courier-on-behalf-of': 'user-42' }))).status).toBe(202);
    expect(await call(request('POST /logins', login, undefined, signedIn('mallory')))).toMatchObject({ status: 403, body: { message: 'user_id names user user-42, but this request acts for mallory' } });
    expect((await call(request('POST /logins', login, undefined, IDENTITY_SERVICE))).status).toBe(403);
    expect((await call(request('POST /logins', login, undefined, IDENTITY_SERVICE, { 'x-courier-on-behalf-of': 'user-7' }))).status).toBe(403);
    expect((await call(request('POST /logins', login, undefined, CONFIG_ADMIN, { 'x-courier-on-behalf-of': 'user-42' }))).status).toBe(403);
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('changing configuration needs config:write: refused (403) to any other authenticated caller, before any read', async () => {
    for (const caller of [IDENTITY_SERVICE, signedIn('user-42'), signedIn('ops-alice', 'openid users:on-behalf-of')]) {
      const res = await call(request('PUT /config/{key}', change, key, caller));
      expect(res, JSON.stringify(caller)).toMatchObject({ status: 403, body: { message: expect.stringContaining('config:write') } });
    }
    expect(ddb.calls()).toHaveLength(0);
  });

  it('a JWT caller with the config:write scope changes configuration as itself: changed_by naming someone else is refused (403)', async () => {
    ddb.on(GetItemCommand).resolves({});
    ddb.on(TransactWriteItemsCommand).resolves({});
    expect((await call(request('PUT /config/{key}', { ...change, changed_by: 'ops-bob' }, key, signedIn('ops-alice', 'config:write')))).status).toBe(403);
    expect((await call(request('PUT /config/{key}', change, key, signedIn('ops-alice', 'config:write')))).status).toBe(202);
  });

  it('any authenticated caller may read configuration', async () => {
    ddb.on(GetItemCommand).resolves({ Item: marshall({ pk: 'CONFIG#checkout.max_lines', key: 'checkout.max_lines', value: '100', version: 1 }) });
    for (const caller of [signedIn('user-42'), IDENTITY_SERVICE, CONFIG_ADMIN]) expect((await call(request('GET /config/{key}', undefined, key, caller))).status).toBe(200);
  });
});
