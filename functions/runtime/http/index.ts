/** HTTP API helpers: route dispatch, JSON bodies with clear 4xx errors. */
export { header, HttpError, httpApi, MAX_BODY_BYTES, readJsonBody, type HttpResponse, type Route } from './http-api.js';
