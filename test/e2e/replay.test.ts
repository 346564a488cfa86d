import { BatchWriteItemCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../bin/cli/replay';
import { cliContext } from '../../scripts/local/cli-context';
import { forEachLogLine } from '../../scripts/local/outcomes';
import { putConfig, recordLogin } from '../../scripts/local/actions';
import type { LocalSystem } from '../../scripts/local/system';
import { freshSystem } from './system';

/**
 * Issue 12 item 9: a replay used to deliver nothing (every consumer rule dropped `replay-name`). Now
 * `courier replay` names each replay for its consumer and that consumer's rule takes it, with no redeploy;
 * no other consumer sees it (on the local engine, which ignores Destination.FilterArns, the name alone
 * scopes it); a consumer that lost its store and its markers — what a new consumer looks like — gets
 * every event of the window once; within the idempotency horizon a replay is acknowledged as duplicates.
 */
let sys: LocalSystem;
const USER = 'replay-user';
const SIGN_INS = 4;
let eventIds: string[] = [];
let window: { from: string; to: string };

const iso = (ms: number) => new Date(ms).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `read` until it returns `wanted` (outside a test, where expect.poll is not available). */
async function until<T>(what: string, read: () => Promise<T>, wanted: T, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  while ((last = await read()) !== wanted) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${String(last)} after ${timeoutMs} ms, wanted ${String(wanted)}`);
    await sleep(1_000);
  }
}

async function auditEntries(): Promise<Map<string, Record<string, unknown>>> {
  const { Items = [] } = await sys.clients.dynamodb.send(new ScanCommand({ TableName: sys.tables.audit, ConsistentRead: true }));
  return new Map(Items.map((i) => unmarshall(i)).map((e) => [String(e.event_id), e]));
}
const logins = async () =>
  Number((await sys.clients.dynamodb.send(new GetItemCommand({ TableName: sys.tables.loginCounter, Key: { pk: { S: `USER#${USER}` } }, ConsistentRead: true }))).Item?.logins?.N ?? 0);

/** Deletes items of `table` by their key attribute `key` (25 per BatchWriteItem). */
async function remove(table: string, key: string, values: string[]): Promise<void> {
  for (let i = 0; i < values.length; i += 25) {
    await sys.clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: values.slice(i, i + 25).map((v) => ({ DeleteRequest: { Key: { [key]: { S: v } } } })) } }));
  }
}
const markerTable = (consumer: string) => sys.consumer(consumer).idempotencyTableName;
const clearMarkers = (consumer: string) => remove(markerTable(consumer), 'id', eventIds.map((id) => `${consumer}#${id}`));
async function markersCompleted(consumer: string): Promise<number> {
  const { Items = [] } = await sys.clients.dynamodb.send(new ScanCommand({ TableName: markerTable(consumer), ConsistentRead: true }));
  const ids = new Set(eventIds.map((id) => `${consumer}#${id}`));
  return Items.map((i) => unmarshall(i)).filter((m) => ids.has(m.id) && m.status === 'COMPLETED').length;
}
/** The event ids of this test that `consumer` logged as duplicates since `since` (the runtime's outcome lines). */
async function duplicatesOf(consumer: string, since: number): Promise<string[]> {
  const ids = new Set<string>();
  await forEachLogLine(sys.clients.logs, sys.consumer(consumer).logGroupName, since, '"duplicate"', (line) => {
    const entry = JSON.parse(line) as { outcome?: string; event_id?: string };
    if (entry.outcome === 'duplicate' && entry.event_id && eventIds.includes(entry.event_id)) ids.add(entry.event_id);
  });
  return [...ids].sort();
}

async function replayTo(consumer: string) {
  const result = await replay(cliContext(sys), { ...window, consumers: [consumer], pollMs: 500 });
  expect(result.replays.map((r) => [r.consumer, r.accepts, r.state])).toEqual([[consumer, 'addressed', 'COMPLETED']]);
  return result;
}

beforeAll(async () => {
  sys = await freshSystem({});
  const start = Date.now() - 1_000;
  const sent = [];
  for (let i = 0; i < SIGN_INS; i++) sent.push(await recordLogin(sys, { user_id: USER, ip: '198.51.100.9', user_agent: `replay-${i}` }));
  sent.push(await putConfig(sys, 'replay.flag', { value: 'on', changed_by: 'e2e' }));
  expect(sent.map((r) => r.status)).toEqual(Array(SIGN_INS + 1).fill(202));
  eventIds = sent.map((r) => String(r.body.event_id));
  await until('audit entries', async () => [...(await auditEntries()).keys()].filter((id) => eventIds.includes(id)).length, eventIds.length);
  await until('sign-ins counted', logins, SIGN_INS);
  await until('login-counter markers', () => markersCompleted('login-counter'), SIGN_INS);
  const end = Date.now() + 1_000;
  await sleep(end - Date.now() + 500); // the window must be in the past
  window = { from: iso(start), to: iso(end) };
}, 180_000);

describe('replaying a window from the archive', () => {
  it('delivers it to the chosen consumer only, without a redeploy: a consumer that lost its store and markers gets every event once', { timeout: 180_000 }, async () => {
    const before = await auditEntries();
    await remove(sys.tables.audit, 'pk', [...before.values()].filter((e) => eventIds.includes(String(e.event_id))).map((e) => String(e.pk)));
    // every subscriber forgets these events: a delivery to any of them would write its marker again
    for (const consumer of ['audit-log', 'login-counter', 'config-cache']) await clearMarkers(consumer);
    expect((await auditEntries()).size).toBe(0);

    await replayTo('audit-log');
    await expect.poll(async () => [...(await auditEntries()).keys()].sort(), { timeout: 60_000, interval: 1_000 }).toEqual([...eventIds].sort());
    expect(await markersCompleted('audit-log')).toBe(eventIds.length);

    // nobody else saw it: no marker came back at the other subscribers, and no sign-in was counted
    await sleep(5_000);
    expect(await markersCompleted('login-counter')).toBe(0);
    expect(await markersCompleted('config-cache')).toBe(0);
    expect(await logins()).toBe(SIGN_INS);
  });

  it('is acknowledged as duplicates within the idempotency horizon: replaying again changes nothing', { timeout: 120_000 }, async () => {
    const before = await auditEntries();
    const since = Date.now();
    await replayTo('audit-log');
    await expect.poll(() => duplicatesOf('audit-log', since), { timeout: 60_000, interval: 1_000 }).toEqual([...eventIds].sort());
    expect(await auditEntries()).toEqual(before);
    expect(await markersCompleted('audit-log')).toBe(eventIds.length);
  });

  it("counts no sign-in twice at a consumer whose markers were cleared (the login counter's own fence)", { timeout: 120_000 }, async () => {
    expect(await markersCompleted('login-counter')).toBe(0); // cleared above
    await replayTo('login-counter');
    await expect.poll(() => markersCompleted('login-counter'), { timeout: 60_000, interval: 1_000 }).toBe(SIGN_INS);
    expect(await logins()).toBe(SIGN_INS);
  });
});
