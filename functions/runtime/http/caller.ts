import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_AUTH_ENV, API_PERMISSION_ROLES_ENV, ON_BEHALF_OF_HEADER, ON_BEHALF_OF_PERMISSION } from '../../contracts/api-auth.js';
import { id } from '../../contracts/fields.js';
import { header, HttpError } from './http-api.js';

/**
 * Who is calling an HTTP API, as API Gateway authenticated it: an IAM principal (SigV4), the subject of a
 * JWT, or nobody (only on an API deployed with the construct's insecure opt-out).
 */
export interface Caller {
  readonly via: 'iam' | 'jwt' | 'anonymous';
  /** The IAM ARN (`arn:aws:sts::…:assumed-role/Role/session`), the JWT `sub`, or `anonymous`. */
  readonly principal: string;
  /**
   * The user the request acts for: the JWT's `sub`, or the {@link ON_BEHALF_OF_HEADER} of a caller that
   * holds {@link ON_BEHALF_OF_PERMISSION}. Undefined for an IAM caller acting as itself.
   */
  readonly user?: string;
  /** Whether it holds a permission: a JWT scope, or (IAM) a session of the permission's role. */
  has(permission: string): boolean;
}

/** How to read callers; by default from the environment the `ServiceApi` construct sets. */
export interface CallerPolicy {
  /** Accept requests without an identity (the API's insecure opt-out). @default false */
  readonly allowAnonymous?: boolean;
  /** IAM: permission → ARN of the role whose sessions hold it. @default {} */
  readonly permissionRoles?: Readonly<Record<string, string>>;
}

/**
 * The policy the `ServiceApi` construct configured (`COURIER_API_AUTH` and `COURIER_API_PERMISSION_ROLES`).
 * Read it once at module load and pass it to `callerOf`, so a misconfigured function fails its cold start.
 *
 * @example
 * const CALLERS = callerPolicyFromEnv();
 * const caller = callerOf(request, CALLERS);
 */
export function callerPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): CallerPolicy {
  const roles = env[API_PERMISSION_ROLES_ENV];
  return { allowAnonymous: env[API_AUTH_ENV] === 'none', permissionRoles: roles ? (JSON.parse(roles) as Record<string, string>) : {} };
}

interface IamContext {
  userArn?: string | null;
  accountId?: string | null;
}
interface JwtContext {
  claims?: Record<string, unknown>;
  scopes?: string[] | null;
}
type Authorizer = { iam?: IamContext | null; jwt?: JwtContext | null } | undefined;

const UserId = id();
const isUserId = (value: unknown): value is string => typeof value === 'string' && UserId.safeParse(value).success;

/** `arn:aws:iam::123:role/path/Name` and `arn:aws:sts::123:assumed-role/Name/session` → `aws|123|Name`. */
function roleKey(arn: string): string | undefined {
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(arn);
  if (role) return `${role[1]}|${role[2]}|${role[3]}`;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return session ? `${session[1]}|${session[2]}|${session[3]}` : undefined;
}

/** JWT scopes: `scope` (space-separated, OAuth 2), `scp` (Okta/Entra) and what API Gateway lists. */
function scopesOf(jwt: JwtContext): Set<string> {
  const words = (value: unknown) => (typeof value === 'string' ? value.replace(/^\[|\]$/g, '').split(/[\s,]+/) : Array.isArray(value) ? value.map(String) : []);
  return new Set([...(jwt.scopes ?? []), ...words(jwt.claims?.scope), ...words(jwt.claims?.scp)].filter(Boolean));
}

/** Who the gateway authenticated, before any on-behalf-of header. */
function authenticated(authorizer: Authorizer, policy: CallerPolicy): Omit<Caller, 'user'> & { subject?: string } {
  const jwt = authorizer?.jwt;
  if (jwt?.claims) {
    const sub = jwt.claims.sub;
    if (!isUserId(sub)) throw new HttpError(403, 'the token has no usable subject: `sub` must be a user id (1–128 of A-Z a-z 0-9 _ . : @ -)');
    const scopes = scopesOf(jwt);
    return { via: 'jwt', principal: sub, subject: sub, has: (p) => scopes.has(p) };
  }
  const userArn = authorizer?.iam?.userArn;
  if (userArn) {
    const self = roleKey(userArn);
    const held = new Set(Object.entries(policy.permissionRoles ?? {}).filter(([, arn]) => self !== undefined && roleKey(arn) === self).map(([p]) => p));
    return { via: 'iam', principal: userArn, has: (p) => held.has(p) };
  }
  if (policy.allowAnonymous) return { via: 'anonymous', principal: 'anonymous', has: () => true };
  throw new HttpError(401, 'no caller identity: sign the request (AWS SigV4, service execute-api) or send a bearer token, as this API is configured');
}

/**
 * The caller of a request: 401 without an identity (API Gateway refuses those before the function on AWS;
 * this is the second line, and the one a local engine may be left with), 403 for an on-behalf-of header
 * from a caller without {@link ON_BEHALF_OF_PERMISSION}, 400 for a header that is not a user id.
 *
 * @example
 * const caller = callerOf(request);
 * requirePermission(caller, 'config:write');
 * const user = actingUser(caller, { field: 'user_id', value: body.user_id });
 */
export function callerOf(request: APIGatewayProxyEventV2, policy: CallerPolicy = callerPolicyFromEnv()): Caller {
  const who = authenticated((request.requestContext as { authorizer?: Authorizer } | undefined)?.authorizer, policy);
  const onBehalfOf = header(request, ON_BEHALF_OF_HEADER);
  if (onBehalfOf === undefined) return { via: who.via, principal: who.principal, user: who.subject, has: who.has };
  if (!who.has(ON_BEHALF_OF_PERMISSION)) {
    throw new HttpError(403, `${ON_BEHALF_OF_HEADER} needs the ${ON_BEHALF_OF_PERMISSION} permission, which ${who.principal} does not hold`);
  }
  if (!isUserId(onBehalfOf)) throw new HttpError(400, `${ON_BEHALF_OF_HEADER} must be a user id (1–128 of A-Z a-z 0-9 _ . : @ -)`);
  return { via: who.via, principal: who.principal, user: onBehalfOf, has: who.has };
}

/**
 * 403 unless the caller holds `permission` (a JWT scope, or for IAM a session of the permission's role).
 *
 * @example
 * requirePermission(callerOf(request, CALLERS), 'config:write');
 */
export function requirePermission(caller: Caller, permission: string): void {
  if (!caller.has(permission)) throw new HttpError(403, `this needs the ${permission} permission, which ${caller.principal} does not hold`);
}

/**
 * The user a request acts for, checked against the user its body names: 403 when they differ, or when
 * the caller acts for no user (an IAM caller without {@link ON_BEHALF_OF_HEADER}). Only an anonymous
 * caller (insecure opt-out) is taken at the body's word. Returns the user.
 *
 * @example
 * const body = readJsonBody(request, PlaceOrderRequest);
 * const userId = actingUser(callerOf(request, CALLERS), { field: 'user_id', value: body.user_id });
 */
export function actingUser(caller: Caller, named: { field: string; value: string }): string {
  if (caller.user !== undefined) {
    if (named.value !== caller.user) throw new HttpError(403, `${named.field} names user ${named.value}, but this request acts for ${caller.user}`);
    return caller.user;
  }
  if (caller.via === 'anonymous') return named.value;
  throw new HttpError(403, `${caller.principal} acts for no user: call with the user's token, or send ${ON_BEHALF_OF_HEADER} with the ${ON_BEHALF_OF_PERMISSION} permission`);
}

/**
 * 403 unless the caller may act on a resource of `owner`: the owner itself, or a caller holding
 * {@link ON_BEHALF_OF_PERMISSION} acting as itself (an operator). Acting for a user, a caller has exactly
 * that user's rights.
 *
 * @example
 * const order = await readOrder(orderId);
 * requireOwnerOrOperator(callerOf(request, CALLERS), order.user_id, `order ${orderId}`);
 */
export function requireOwnerOrOperator(caller: Caller, owner: string, what: string): void {
  const operator = caller.user === undefined && caller.has(ON_BEHALF_OF_PERMISSION);
  if (caller.user !== owner && !operator) throw new HttpError(403, `${what} belongs to another user`);
}
