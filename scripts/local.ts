import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { peekDlq, groupByErrorClass } from '../bin/cli/dlq-messages';
import { parseArgs } from 'node:util';
import { ensureEngine, type EngineKind } from '../bin/cli/local/engine';
import { cancelOrder, envelope, outboxRows, placeOrder, putConfig, recordLogin, resend, sendToQueue, settled, waitForOrder } from './local/actions';
import { routeAuthorization } from './local/api-routes';
import { curlCommand } from './local/curl-command';
import { deployToEngine } from '../bin/cli/local/deploy';
import { consumerOutcomes } from './local/outcomes';
import { clearState } from './local/state';
import { connect, http, waitFor } from './local/system';
import { ON_BEHALF_OF_HEADER } from '../functions/contracts/api-auth';
import { DEFAULT_STOCK, seedInventory } from './seed-inventory';

/**
 * `npm run local`: the whole system on the embedded engine, and a short demonstration of what it does
 * with good orders, a stock failure, a retried request, a duplicate delivery and poison messages.
 * Leaves everything running. Re-runnable: state is cleared at the start, the deploy is idempotent.
 */
const startedAt = Date.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
const step = (title: string) => say(`\n▶ ${title}`);

const { values: args } = parseArgs({
  options: { engine: { type: 'string' }, endpoint: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' } },
});
if (args.help) {
  say('usage: npm run local [-- --engine ministack|localstack] [--endpoint URL] [--port N]');
  say('  ministack (default): installed from PyPI into .local/venv and started on 127.0.0.1');
  say('  localstack: nothing is started; use a running LocalStack (docs/localstack-compose.yml) at --endpoint');
  process.exit(0);
}
if (args.engine && args.engine !== 'ministack' && args.engine !== 'localstack') {
  process.stderr.write(`unknown engine "${args.engine}" (ministack or localstack)\n`);
  process.exit(2);
}

step('local engine');
const engine = await ensureEngine({
  engine: args.engine as EngineKind | undefined,
  endpoint: args.endpoint,
  port: args.port ? Number(args.port) : undefined,
});
say(`  ${engine.engine} ${engine.version ?? ''} at ${engine.endpoint}${engine.started ? ' (started)' : ' (already running)'}`);

step('deploy the CDK app (bootstrap, deploy --all, read back every setting)');
const deployed = await deployToEngine(engine, { log: (l) => say(`  ${l}`), resetOnFailure: true });
say(`  bootstrap ${deployed.seconds.bootstrap.toFixed(1)} s, deploy ${deployed.seconds.deploy.toFixed(1)} s, read-back ${deployed.seconds.verify.toFixed(1)} s`);

const sys = await connect(engine.endpoint);
step('clear queues and tables from earlier runs, seed stock');
await clearState(sys.deployment, sys.clients.sqs, sys.clients.dynamodb);
await seedInventory(sys.tables.stock, DEFAULT_STOCK, sys.clients.dynamodb);
say(`  stock: ${Object.entries(DEFAULT_STOCK).map(([sku, n]) => `${sku}=${n}`).join(', ')}`);
const since = Date.now();

step('place orders through the HTTP API');
const tea = { sku: 'SKU-TEA', qty: 2, unit_price_minor: 450 };
const mug = { sku: 'SKU-RED-MUG', qty: 1, unit_price_minor: 1299 };
const kettle = { sku: 'SKU-KETTLE', qty: 1, unit_price_minor: 4999 };
const scenarios: { label: string; order: Parameters<typeof placeOrder>[1]; headers?: Record<string, string> }[] = [
  { label: 'ordinary order', order: { user_id: 'ada', lines: [tea, mug] } },
  { label: 'ordinary order', order: { user_id: 'grace', lines: [kettle] } },
  { label: 'ordinary order, retried with the same Idempotency-Key', order: { user_id: 'linus', lines: [tea] }, headers: { 'idempotency-key': 'demo-linus-1' } },
  { label: 'large order (risk review)', order: { user_id: 'barbara', lines: [{ ...kettle, qty: 9 }] } },
  { label: 'more than the stock holds (rejected, compensated)', order: { user_id: 'ken', lines: [{ sku: 'SKU-LAST-ONE', qty: 2, unit_price_minor: 999 }] } },
  { label: 'ordinary order, cancelled by the customer', order: { user_id: 'margaret', lines: [mug] } },
];
const placed: { label: string; id: string }[] = [];
for (const s of scenarios) {
  const res = await placeOrder(sys, s.order, s.headers);
  if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}: ${JSON.stringify(res.body)}`);
  placed.push({ label: s.label, id: res.body.order_id });
  say(`  ${res.status} ${res.body.order_id}  ${s.label}`);
}
const retried = await placeOrder(sys, scenarios[2]!.order, scenarios[2]!.headers);
say(`  ${retried.status} ${retried.body.order_id}  retry of the same request → same order (idempotent-replay: ${retried.headers.get('idempotent-replay')})`);
const bad = await placeOrder(sys, { user_id: 'mallory', lines: [{ sku: 'SKU-TEA', qty: -1, unit_price_minor: 1 }] });
say(`  ${bad.status} ${bad.body.message}  (invalid request: nothing written)`);

step('who may call: every route needs a signed request, and callers act only as allowed');
const routes = await routeAuthorization(sys);
const types = [...new Set(routes.map((r) => r.authorizationType))];
say(`  ${routes.length} routes read back from the deployed APIs (GetRoutes): ${types.map((t) => `${routes.filter((r) => r.authorizationType === t).length} ${t}`).join(', ')}`);
const probe = { user_id: 'ada', lines: [tea] };
const unsigned = await http(`${sys.api.orders}/orders`, { body: { currency: 'EUR', ...probe } });
say(`  ${unsigned.status} unsigned POST /orders (refused by the engine before the function)`);
const otherUser = await placeOrder(sys, { ...probe, user_id: 'mallory' }, { [ON_BEHALF_OF_HEADER]: 'ada' });
say(`  ${otherUser.status} acting for ada with a body naming mallory: ${otherUser.body.message}`);
const notAdmin = await http(`${sys.api.notifications}/config/checkout.max_lines`, { method: 'PUT', body: { value: '1', changed_by: 'ops-eve' }, as: sys.callers.identityService });
say(`  ${notAdmin.status} PUT /config by the identity service: ${notAdmin.body.message}`);

step('broadcasts: a sign-in and a configuration change');
const login = await recordLogin(sys, { user_id: 'ada', ip: '203.0.113.7', user_agent: 'courier-demo' });
say(`  POST /logins → ${login.status} ${JSON.stringify(login.body)}  (signed by the identity service, for ada)`);
const config = await putConfig(sys, 'checkout.max_lines', { value: '100', changed_by: 'ops-alice' });
say(`  PUT /config/checkout.max_lines → ${config.status} ${JSON.stringify(config.body)}  (signed by the config admin)`);

step('wait for every order to settle');
const cancelled = placed.find((p) => p.label.includes('cancelled'))!;
await waitForOrder(sys, cancelled.id, settled);
const cancel = await cancelOrder(sys, cancelled.id, 'changed my mind', 'margaret');
say(`  POST /orders/${cancelled.id}/cancel → ${cancel.status}  (for margaret, its customer)`);
const orders = [];
for (const p of placed) orders.push({ ...p, order: await waitForOrder(sys, p.id, (o) => settled(o) && (p !== cancelled || o.status === 'CANCELLED')) });

step('faults on purpose: a duplicate delivery and poison messages');
const [created] = (await outboxRows(sys, placed[0]!.id)).filter((r) => r.detail_type === 'order.created.v1');
await resend(sys, created!);
say(`  re-sent order.created.v1 ${created!.event_id} to the bus (same event_id): inventory, risk and points must ignore it`);
await sendToQueue(sys, 'inventory-orders', '{"detail-type": "order.created.v1", "detail": {');
say('  sent a truncated JSON body straight to the inventory-orders queue');
await sendToQueue(sys, 'inventory-orders', envelope('order.created.v1', 'courier.orders', { order_id: 'ord-poison', lines: [{ sku: 'SKU-TEA', qty: 0 }] }));
say('  sent an order.created.v1 that breaks its contract to the inventory-orders queue');
const inventory = sys.consumer('inventory-orders');
await waitFor('both poison messages in the inventory DLQ', async () => ((await peekDlq(sys.clients.sqs, inventory.dlqUrl, 10)).length >= 2 ? true : undefined), 30_000);
await waitFor('the duplicate to be seen by all three consumers', async () => {
  const counts = await Promise.all(['inventory-orders', 'risk-assess', 'points-ledger'].map((c) => consumerOutcomes(sys.clients.logs, sys.consumer(c), since)));
  return counts.every((c) => c.duplicate >= 1) ? true : undefined;
}, 30_000);

step('report');
say('  orders');
say(`  ${'order'.padEnd(42)} ${'status'.padEnd(10)} ${'stock'.padEnd(9)} ${'risk'.padEnd(14)} points  scenario`);
for (const { id, label } of orders) {
  const o = (await waitForOrder(sys, id, () => true)) as any;
  const risk = o.progress.risk ? `${o.progress.risk.decision} (${o.progress.risk.score})` : '—';
  say(`  ${id.padEnd(42)} ${o.status.padEnd(10)} ${o.progress.stock.state.padEnd(9)} ${risk.padEnd(14)} ${String(o.progress.points ?? '—').padStart(6)}  ${label}`);
}
say('\n  stock now');
for (const sku of Object.keys(DEFAULT_STOCK)) {
  const item = (await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.stock, Key: { pk: { S: `SKU#${sku}` } }, ConsistentRead: true }))).Item;
  say(`  ${sku.padEnd(14)} ${String(item ? unmarshall(item).available : '?').padStart(4)} (seeded ${DEFAULT_STOCK[sku]})`);
}
say('\n  records per consumer (from the runtime\'s outcome logs)');
say(`  ${'consumer'.padEnd(18)} processed  duplicates  retried  quarantined`);
for (const c of sys.deployment.consumers) {
  const n = await consumerOutcomes(sys.clients.logs, c, since);
  say(`  ${c.name.padEnd(18)} ${String(n.processed).padStart(9)}  ${String(n.duplicate).padStart(10)}  ${String(n.retry).padStart(7)}  ${String(n.quarantined).padStart(11)}`);
}
const audit = (await sys.clients.dynamodb.send(new ScanCommand({ TableName: sys.tables.audit, Select: 'COUNT' }))).Count;
const logins = (await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.loginCounter, Key: { pk: { S: 'USER#ada' } } }))).Item;
const cached = (await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.configCache, Key: { pk: { S: 'CONFIG#checkout.max_lines' } } }))).Item;
say(`\n  broadcast: audit log ${audit} entries; ada signed in ${logins ? unmarshall(logins).logins : 0} time(s); config cache checkout.max_lines = ${cached ? unmarshall(cached).value : '—'}`);
say('\n  dead-letter queues');
for (const c of sys.deployment.consumers) {
  const messages = await peekDlq(sys.clients.sqs, c.dlqUrl, 20);
  if (messages.length === 0) continue;
  for (const group of groupByErrorClass(messages)) {
    say(`  ${c.name}: ${group.count} × ${group.errorClass}`);
    for (const m of group.messages) say(`    - ${m.errorMessage.slice(0, 140)}`);
  }
}

say(`\n✔ done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s. The system keeps running:`);
say(`  orders API         ${sys.publicApi.orders}   (path style for any client: ${sys.api.orders})`);
say(`  notifications API  ${sys.publicApi.notifications}`);
say(`  try                ${curlCommand('GET', `${sys.api.notifications}/config/checkout.max_lines`, { sign: { region: 'us-east-1', user: 'test:test' } })}`);
say('                     (any signed caller may read config; placing orders needs the ApiRoleUsersOnBehalfOf role: README § Calling the APIs)');
say(`  operate            eval "$(npx courier local env)"; npx courier dlq list`);
say(`  console            eval "$(npx courier local env)"; npx courier console   (prints a 127.0.0.1 URL with a per-run token)`);
say('  stop               npm run local:stop');
