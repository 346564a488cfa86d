import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseWith } from 'courier/contracts';
import { UserLoginSucceededV1 } from '../events/identity';
import { actingUser, callerOf, callerPolicyFromEnv, dynamoClient, httpApi, HttpError, type HttpResponse, outgoing, readJsonBody, reliablePublisherFromEnv, requiredEnv, requirePermission, TransactionCancelled, transactWithOutbox } from 'courier/runtime';
import { planConfigChange, readConfigEntry, type ConfigEntry } from './config-change';
import { configPk } from './keys';
import { CONFIG_WRITE } from './permissions';
import { ConfigKey, LoginRequest, PutConfigRequest } from './requests';

const CONFIG_TABLE = requiredEnv('CONFIG_TABLE');
const OUTBOX_TABLE = requiredEnv('OUTBOX_TABLE');
const publisher = reliablePublisherFromEnv();
/** Who may call and act for whom, as the ServiceApi construct configured it. */
const CALLERS = callerPolicyFromEnv();

/** The `{key}` path parameter, checked against the contract's key pattern (400 naming `key`). */
function configKey(request: APIGatewayProxyEventV2): string {
  const parsed = parseWith(ConfigKey, 'path', request.pathParameters?.key ?? '');
  if (parsed.ok) return parsed.value;
  const errors = parsed.error.issues.map((i) => ({ path: 'key', message: i.message }));
  throw new HttpError(400, `invalid config key: ${errors.map((e) => e.message).join('; ')}`, { errors });
}

/** Consistent read: a PUT must compare against the latest version, and a GET after a PUT sees it. */
async function readConfig(key: string): Promise<ConfigEntry | undefined> {
  const out = await dynamoClient().send(new GetItemCommand({ TableName: CONFIG_TABLE, Key: { pk: { S: configPk(key) } }, ConsistentRead: true }));
  return readConfigEntry(key, out.Item);
}

const view = (entry: ConfigEntry) => ({ key: entry.key, value: entry.value, version: entry.version });

export const handler = httpApi({
  /**
   * Announces a sign-in without a state change to pair it with, so no outbox: publish within the
   * publisher's own short deadline, and whatever fails is kept in the failed-message table for the
   * retrier. Only an event neither published nor kept is a 503. The user is the caller (or whom it acts
   * for, e.g. the identity service that authenticated them): a body naming anyone else is refused.
   */
  'POST /logins': async (request): Promise<HttpResponse> => {
    const caller = callerOf(request, CALLERS);
    const login = readJsonBody(request, LoginRequest);
    actingUser(caller, { field: 'user_id', value: login.user_id });
    const [kept] = await publisher.publishOrStore([outgoing(UserLoginSucceededV1, login)]);
    if (!kept || kept.outcome === 'lost') {
      return { status: 503, headers: { 'retry-after': '1' }, body: { message: 'the sign-in could not be published or kept for a later retry; try again' } };
    }
    return { status: 202, body: { event_id: kept.eventId, outcome: kept.outcome } };
  },

  /**
   * Needs `config:write`. The new value and its `config.changed.v1` commit in one transaction (outbox);
   * the relay publishes it. A caller acting for a user records that user as `changed_by`; an operator
   * acting as itself names itself (its IAM ARN is in the log line below and in the access log).
   */
  'PUT /config/{key}': async (request, log) => {
    const caller = callerOf(request, CALLERS);
    requirePermission(caller, CONFIG_WRITE);
    const key = configKey(request);
    const body = readJsonBody(request, PutConfigRequest);
    if (caller.user !== undefined) actingUser(caller, { field: 'changed_by', value: body.changed_by });
    log.info('config change requested', { key, principal: caller.principal, changed_by: body.changed_by });
    const plan = planConfigChange(CONFIG_TABLE, key, await readConfig(key), body, new Date());
    if (!plan.changed) return { status: 200, body: { ...view(plan.entry), changed: false } };
    try {
      const [stored] = await transactWithOutbox({ outboxTable: OUTBOX_TABLE, items: [plan.write], events: [plan.event] });
      return { status: 202, body: { ...view(plan.entry), changed: true, event_id: stored?.eventId } };
    } catch (error) {
      if (error instanceof TransactionCancelled && error.conditionFailed(0)) {
        throw new HttpError(409, `config key ${key} changed since it was read; read it again and retry`);
      }
      throw error;
    }
  },

  /** Any authenticated caller. */
  'GET /config/{key}': async (request) => {
    callerOf(request, CALLERS);
    const key = configKey(request);
    const entry = await readConfig(key);
    // A deleted key keeps a tombstone (value null) for its version count; to a reader it does not exist.
    if (!entry || entry.value === null) throw new HttpError(404, `config key ${key} is not set`);
    return { status: 200, body: { ...view(entry), updated_at: entry.updated_at, updated_by: entry.updated_by } };
  },
});
