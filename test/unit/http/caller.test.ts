import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { actingUser, callerOf, callerPolicyFromEnv, requireOwnerOrOperator, requirePermission, type Caller } from '../../../functions/runtime/http/caller';
import { HttpError } from '../../../functions/runtime/http/http-api';

const ACCOUNT = '123456789012';
const AGENT_ROLE = `arn:aws:iam::${ACCOUNT}:role/Orders-OnBehalfOfRole-1AB2`;
const CONFIG_ROLE = `arn:aws:iam::${ACCOUNT}:role/ops/Notifications-ConfigWriteRole-9XY`;
const policy = { permissionRoles: { 'users:on-behalf-of': AGENT_ROLE, 'config:write': CONFIG_ROLE } };

const session = (role: string, account = ACCOUNT) => `arn:aws:sts::${account}:assumed-role/${role}/session-1`;
const iam = (userArn: string | null, headers: Record<string, string> = {}) =>
  ({ headers, requestContext: { requestId: 'r', authorizer: { iam: { userArn, accountId: ACCOUNT } } } }) as unknown as APIGatewayProxyEventV2;
const jwt = (claims: Record<string, unknown>, headers: Record<string, string> = {}, scopes: string[] | null = null) =>
  ({ headers, requestContext: { requestId: 'r', authorizer: { jwt: { claims, scopes } } } }) as unknown as APIGatewayProxyEventV2;
const none = (headers: Record<string, string> = {}) => ({ headers, requestContext: { requestId: 'r' } }) as unknown as APIGatewayProxyEventV2;

/** The HttpError a call throws (status and message), or a failure when it does not throw one. */
function refusal(call: () => unknown): { status: number; message: string } {
  try {
    call();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('callerOf', () => {
  it('refuses a request without an identity with 401, unless the API is the insecure opt-out', () => {
    expect(refusal(() => callerOf(none(), policy))).toMatchObject({ status: 401, message: expect.stringContaining('SigV4') });
    // an IAM block without a resolvable principal (the local engine, for an unknown access key) is no identity
    expect(refusal(() => callerOf(iam(null), policy)).status).toBe(401);
    const anonymous = callerOf(none(), { allowAnonymous: true });
    expect(anonymous).toMatchObject({ via: 'anonymous', principal: 'anonymous', user: undefined });
    expect(anonymous.has('config:write')).toBe(true);
  });

  it('an IAM principal holds exactly the permissions of the role it assumed (path and session ignored, account checked)', () => {
    const agent = callerOf(iam(session('Orders-OnBehalfOfRole-1AB2')), policy);
    expect(agent).toMatchObject({ via: 'iam', principal: session('Orders-OnBehalfOfRole-1AB2'), user: undefined });
    expect(agent.has('users:on-behalf-of')).toBe(true);
    expect(agent.has('config:write')).toBe(false);
    expect(callerOf(iam(session('Notifications-ConfigWriteRole-9XY')), policy).has('config:write')).toBe(true);
    for (const other of [session('Orders-OnBehalfOfRole-1AB2', '999999999999'), session('SomeAdmin'), `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:root`]) {
      const caller = callerOf(iam(other), policy);
      expect(caller.has('users:on-behalf-of'), other).toBe(false);
      expect(caller.has('config:write'), other).toBe(false);
    }
  });

  it('a JWT caller is its subject and holds its scopes (scope, scp, or as API Gateway lists them)', () => {
    const user = callerOf(jwt({ sub: 'user-42', scope: 'openid profile' }), policy);
    expect(user).toMatchObject({ via: 'jwt', principal: 'user-42', user: 'user-42' });
    expect(user.has('config:write')).toBe(false);
    expect(callerOf(jwt({ sub: 'ops-1', scope: 'openid config:write' }), policy).has('config:write')).toBe(true);
    expect(callerOf(jwt({ sub: 'ops-1', scp: '[config:write users:on-behalf-of]' }), policy).has('users:on-behalf-of')).toBe(true);
    expect(callerOf(jwt({ sub: 'ops-1' }, {}, ['config:write']), policy).has('config:write')).toBe(true);
  });

  it('refuses a JWT whose subject is not a user id (403)', () => {
    for (const sub of [undefined, '', 'has space', 'a/b', 'x'.repeat(129)]) expect(refusal(() => callerOf(jwt({ sub }), policy)).status, String(sub)).toBe(403);
  });

  it('honours x-courier-on-behalf-of only for a caller with users:on-behalf-of, and only a user id', () => {
    const header = { 'X-Courier-On-Behalf-Of': 'user-42' };
    expect(callerOf(iam(session('Orders-OnBehalfOfRole-1AB2'), header), policy).user).toBe('user-42');
    expect(callerOf(jwt({ sub: 'checkout-svc', scope: 'users:on-behalf-of' }, header), policy).user).toBe('user-42');
    expect(callerOf(none(header), { allowAnonymous: true }).user).toBe('user-42');
    expect(refusal(() => callerOf(iam(session('SomeAdmin'), header), policy))).toMatchObject({ status: 403, message: expect.stringContaining('users:on-behalf-of') });
    // an end user cannot become another user by sending the header
    expect(refusal(() => callerOf(jwt({ sub: 'mallory' }, header), policy)).status).toBe(403);
    expect(refusal(() => callerOf(iam(session('Orders-OnBehalfOfRole-1AB2'), { 'x-courier-on-behalf-of': 'two words' }), policy)).status).toBe(400);
  });
});

describe('callerPolicyFromEnv', () => {
  it('reads the mode and the permission roles the construct sets; no mode means no anonymous callers', () => {
    expect(callerPolicyFromEnv({ COURIER_API_AUTH: 'iam', COURIER_API_PERMISSION_ROLES: JSON.stringify({ 'config:write': CONFIG_ROLE }) })).toEqual({
      allowAnonymous: false,
      permissionRoles: { 'config:write': CONFIG_ROLE },
    });
    expect(callerPolicyFromEnv({ COURIER_API_AUTH: 'none' }).allowAnonymous).toBe(true);
    expect(callerPolicyFromEnv({}).allowAnonymous).toBe(false);
  });
});

describe('actingUser, requirePermission, requireOwnerOrOperator', () => {
  const user: Caller = callerOf(jwt({ sub: 'user-42' }), policy);
  const agent: Caller = callerOf(iam(session('Orders-OnBehalfOfRole-1AB2')), policy);
  const agentForUser: Caller = callerOf(iam(session('Orders-OnBehalfOfRole-1AB2'), { 'x-courier-on-behalf-of': 'user-42' }), policy);
  const plainIam: Caller = callerOf(iam(`arn:aws:iam::${ACCOUNT}:root`), policy);

  it('the acting user is the caller’s; a body naming another user is refused (403)', () => {
    expect(actingUser(user, { field: 'user_id', value: 'user-42' })).toBe('user-42');
    expect(actingUser(agentForUser, { field: 'user_id', value: 'user-42' })).toBe('user-42');
    expect(refusal(() => actingUser(user, { field: 'user_id', value: 'user-7' }))).toEqual({ status: 403, message: 'user_id names user user-7, but this request acts for user-42' });
    expect(refusal(() => actingUser(agentForUser, { field: 'user_id', value: 'user-7' })).status).toBe(403);
  });

  it('an IAM caller without the header acts for nobody (403); only the insecure opt-out takes the body’s word', () => {
    expect(refusal(() => actingUser(agent, { field: 'user_id', value: 'user-42' })).message).toContain('x-courier-on-behalf-of');
    expect(refusal(() => actingUser(plainIam, { field: 'user_id', value: 'user-42' })).status).toBe(403);
    expect(actingUser(callerOf(none(), { allowAnonymous: true }), { field: 'user_id', value: 'user-42' })).toBe('user-42');
  });

  it('a permission is required where asked (403 naming it)', () => {
    expect(() => requirePermission(callerOf(iam(session('Notifications-ConfigWriteRole-9XY')), policy), 'config:write')).not.toThrow();
    expect(refusal(() => requirePermission(agent, 'config:write'))).toMatchObject({ status: 403, message: expect.stringContaining('config:write') });
  });

  it('the owner and an operator may act on a resource; another user, a plain IAM caller, or an agent acting for another user may not', () => {
    expect(() => requireOwnerOrOperator(user, 'user-42', 'order o1')).not.toThrow();
    expect(() => requireOwnerOrOperator(agent, 'user-7', 'order o1')).not.toThrow();
    expect(() => requireOwnerOrOperator(agentForUser, 'user-42', 'order o1')).not.toThrow();
    expect(refusal(() => requireOwnerOrOperator(user, 'user-7', 'order o1'))).toEqual({ status: 403, message: 'order o1 belongs to another user' });
    expect(refusal(() => requireOwnerOrOperator(agentForUser, 'user-7', 'order o1')).status).toBe(403);
    expect(refusal(() => requireOwnerOrOperator(plainIam, 'user-7', 'order o1')).status).toBe(403);
  });
});
