import { beforeAll, describe, expect, it } from 'vitest';
import { ON_BEHALF_OF_HEADER } from '../../functions/contracts/api-auth';
import { cancelOrder, getOrder, placeOrder, putConfig } from '../../scripts/local/actions';
import { signingCaller } from '../../scripts/local/api-callers';
import { routeAuthorization } from '../../scripts/local/api-routes';
import { http, type LocalSystem } from '../../scripts/local/system';
import { DEFAULT_REGION } from '../../bin/cli/local/engine';
import { freshSystem } from './system';

/**
 * Authorization on the deployed APIs. What the local engine enforces itself (docs/LOCAL-ENGINE.md): an
 * AWS_IAM route refuses a request without an `Authorization` header; it does not verify the signature or
 * evaluate execute-api:Invoke. Everything else here is the functions' own check (callerOf & co.), which
 * runs on AWS too, behind API Gateway's.
 */
const order = { user_id: 'auth-ada', lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 450 }] };

describe('who may call the deployed APIs', () => {
  let sys: LocalSystem;
  beforeAll(async () => {
    sys = await freshSystem({ 'SKU-TEA': 100 });
  });

  it('every route of both APIs is deployed with AWS_IAM authorization (read back with GetRoutes)', async () => {
    const routes = await routeAuthorization(sys);
    expect(routes.map((r) => `${r.stack} ${r.routeKey} ${r.authorizationType}`).sort()).toEqual([
      'Notifications GET /config/{key} AWS_IAM',
      'Notifications POST /logins AWS_IAM',
      'Notifications PUT /config/{key} AWS_IAM',
      'Orders GET /orders/{id} AWS_IAM',
      'Orders POST /orders AWS_IAM',
      'Orders POST /orders/{id}/cancel AWS_IAM',
    ]);
  });

  it('the engine refuses an unsigned request on every route (403)', async () => {
    const unsigned = [
      http(`${sys.api.orders}/orders`, { body: { currency: 'EUR', ...order } }),
      http(`${sys.api.orders}/orders/ord_x`),
      http(`${sys.api.orders}/orders/ord_x/cancel`, { body: {} }),
      http(`${sys.api.notifications}/logins`, { body: { user_id: 'auth-ada', ip: '203.0.113.7', user_agent: 'e2e' } }),
      http(`${sys.api.notifications}/config/e2e.auth`, { method: 'PUT', body: { value: 'x', changed_by: 'e2e' } }),
      http(`${sys.api.notifications}/config/e2e.auth`),
    ];
    for (const res of await Promise.all(unsigned)) expect(res.status).toBe(403);
  });

  it('a signature the engine cannot tie to a principal reaches the function without identity: 401', async () => {
    const stranger = signingCaller('stranger', { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }, DEFAULT_REGION);
    const res = await http(`${sys.api.notifications}/config/e2e.auth`, { as: stranger });
    expect(res).toMatchObject({ status: 401, body: { message: expect.stringContaining('no caller identity') } });
  });

  it('an authenticated IAM principal without a role acts for nobody and may not change configuration (403), but may read it', async () => {
    const root = signingCaller('account-root', { accessKeyId: 'test', secretAccessKey: 'test' }, DEFAULT_REGION);
    const place = await http(`${sys.api.orders}/orders`, { body: { currency: 'EUR', ...order }, as: root });
    expect(place).toMatchObject({ status: 403, body: { message: expect.stringContaining('acts for no user') } });
    const forAda = await http(`${sys.api.orders}/orders`, { body: { currency: 'EUR', ...order }, headers: { [ON_BEHALF_OF_HEADER]: 'auth-ada' }, as: root });
    expect(forAda).toMatchObject({ status: 403, body: { message: expect.stringContaining('users:on-behalf-of') } });
    expect((await http(`${sys.api.notifications}/config/e2e.auth`, { method: 'PUT', body: { value: 'x', changed_by: 'e2e' }, as: root })).status).toBe(403);
    expect((await http(`${sys.api.notifications}/config/e2e.auth`, { as: root })).status).toBe(404);
  });

  it('the orders agent places an order for its customer, never under another name; customers see and cancel only their own', async () => {
    const placed = await placeOrder(sys, order);
    expect(placed.status).toBe(202);
    expect((await placeOrder(sys, { ...order, user_id: 'auth-mallory' }, { [ON_BEHALF_OF_HEADER]: 'auth-ada' })).status).toBe(403);
    const id = placed.body.order_id;
    expect((await getOrder(sys, id, 'auth-ada')).body.user_id).toBe('auth-ada');
    expect((await getOrder(sys, id, 'auth-mallory')).status).toBe(403);
    expect((await cancelOrder(sys, id, 'not mine', 'auth-mallory')).status).toBe(403);
    expect((await getOrder(sys, id)).status).toBe(200); // an operator, acting as itself
  });

  it('configuration changes only with config:write: the config admin may, the identity service may not', async () => {
    const byIdentity = await http(`${sys.api.notifications}/config/e2e.auth`, { method: 'PUT', body: { value: 'x', changed_by: 'e2e' }, as: sys.callers.identityService });
    expect(byIdentity).toMatchObject({ status: 403, body: { message: expect.stringContaining('config:write') } });
    expect((await putConfig(sys, 'e2e.auth', { value: 'on', changed_by: 'e2e' })).status).toBe(202);
  });
});
