/** HTTP API helpers: route dispatch, JSON bodies with clear 4xx errors, and who is calling. */
export { header, HttpError, httpApi, readJsonBody, type HttpResponse, type Route } from './http-api.js';
export { actingUser, callerOf, callerPolicyFromEnv, requireOwnerOrOperator, requirePermission, type Caller, type CallerPolicy } from './caller.js';
export { ON_BEHALF_OF_HEADER, ON_BEHALF_OF_PERMISSION, permissionRoleOutputKey, type ApiAuthMode } from '../../contracts/api-auth.js';
