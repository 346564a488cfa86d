/**
 * The contract between the `ServiceApi` construct (which configures an HTTP API's authorization and the
 * function behind it) and the runtime's `callerOf` (which reads who is calling): names both sides use.
 * Kept here because the constructs and the runtime never import each other.
 */

/** How an API authenticates callers; the construct sets it on the function as `COURIER_API_AUTH`. */
export type ApiAuthMode = 'iam' | 'jwt' | 'none';

/** Environment variable naming the API's {@link ApiAuthMode}. Absent means "no anonymous callers". */
export const API_AUTH_ENV = 'COURIER_API_AUTH';

/**
 * Environment variable (IAM mode) mapping each permission to the ARN of the IAM role whose sessions hold
 * it, as JSON: `{"config:write":"arn:aws:iam::123456789012:role/…"}`.
 */
export const API_PERMISSION_ROLES_ENV = 'COURIER_API_PERMISSION_ROLES';

/**
 * Request header by which a caller holding {@link ON_BEHALF_OF_PERMISSION} names the user it acts for.
 *
 * @example
 * // a checkout service (IAM, assumed the API's on-behalf-of role) placing an order for user-42
 * fetch(`${api}/orders`, { method: 'POST', headers: { 'x-courier-on-behalf-of': 'user-42', ...sigv4 }, body });
 */
export const ON_BEHALF_OF_HEADER = 'x-courier-on-behalf-of';

/**
 * The permission to act for any user: to send {@link ON_BEHALF_OF_HEADER}, and, without it, to read and
 * act on every user's resources as an operator. IAM: the API's on-behalf-of role; JWT: this scope.
 *
 * @example
 * if (caller.has(ON_BEHALF_OF_PERMISSION) && caller.user === undefined) log.info('operator call', { principal: caller.principal });
 */
export const ON_BEHALF_OF_PERMISSION = 'users:on-behalf-of';

/**
 * Stack output holding the ARN of the role that grants `permission` on a stack's API (IAM mode), so
 * clients can find the role to assume: `users:on-behalf-of` → `ApiRoleUsersOnBehalfOf`.
 *
 * @example
 * const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'courier-orders' }));
 * const roleArn = Stacks![0]!.Outputs!.find((o) => o.OutputKey === permissionRoleOutputKey(ON_BEHALF_OF_PERMISSION))!.OutputValue;
 */
export function permissionRoleOutputKey(permission: string): string {
  const words = permission.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return `ApiRole${words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`;
}
