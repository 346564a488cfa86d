/**
 * Permissions of the notifications API beyond an authenticated caller; the stack declares them on its
 * routes and the handler checks them. IAM: the API's `ApiRoleConfigWrite` role; JWT: this scope.
 */
export const CONFIG_WRITE = 'config:write';
