import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyRun, engineEsmBatches, takeLine } from '../../../scripts/cost/collect';
import { indexEntryBytes, itemUnits, requestUnits, type TableState } from '../../../scripts/cost/units';

const outbox: TableState = {
  name: 'outbox',
  keyNames: ['event_id'],
  indexes: [{ name: 'pending-by-age', keys: ['pending', 'created_at'], projection: 'ALL' }],
  items: new Map([['event_id=e1', { event_id: 30, detail: 1500, status: 15, created_at: 18, published_at: 20, expires_at: 16 }]]),
};
const keysOnly: TableState = { ...outbox, indexes: [{ name: 'pending-by-age', keys: ['pending', 'created_at'], projection: 'KEYS_ONLY' }] };
const tables = new Map([['outbox', outbox]]);

describe('request units from counted facts', () => {
  it('a put in a transaction costs twice its started KBs; a GSI whose keys it carries one more write of the projected entry', () => {
    const row = { event_id: 30, detail: 600, status: 13, pending: 14, created_at: 18 };
    expect(itemUnits({ t: 'outbox', a: 'put', tx: 1, s: row }, outbox)).toMatchObject({ wru: 2, gsi: { 'pending-by-age': 1 } });
    expect(itemUnits({ t: 'outbox', a: 'put', tx: 1, s: { ...row, detail: 1100 } }, outbox)).toMatchObject({ wru: 4, gsi: { 'pending-by-age': 2 } });
    // KEYS_ONLY projects the keys alone: one unit whatever the row's size
    expect(itemUnits({ t: 'outbox', a: 'put', tx: 1, s: { ...row, detail: 1100 } }, keysOnly)).toMatchObject({ wru: 4, gsi: { 'pending-by-age': 1 } });
    // without the sparse key, no index write
    expect(itemUnits({ t: 'outbox', a: 'put', s: { event_id: 30 } }, outbox).gsi).toEqual({});
  });

  it('an update is sized by the item at the end of the run; removing an index key deletes the entry (one more write)', () => {
    const units = itemUnits({ t: 'outbox', a: 'update', k: 'event_id=e1', set: ['status', 'published_at', 'expires_at'], rm: ['pending'] }, outbox);
    expect(units).toMatchObject({ wru: 2, gsi: { 'pending-by-age': 2 }, unknownSizes: 0 });
  });

  it('an item gone by the end is charged one unit and counted as unknown', () => {
    expect(itemUnits({ t: 'outbox', a: 'delete', k: 'event_id=gone' }, outbox)).toMatchObject({ wru: 1, unknownSizes: 1 });
  });

  it('a failed condition is charged on the larger of the item sent and the item DynamoDB returned, and writes no index', () => {
    expect(itemUnits({ t: 'outbox', a: 'put', s: { event_id: 30, pending: 14, created_at: 18 }, fail: 'ConditionalCheckFailed', ob: 1500 }, outbox)).toMatchObject({ wru: 2, gsi: {} });
    expect(itemUnits({ t: 'idem', a: 'put', s: { id: 20 }, fail: 'DuplicateItem', ob: 90 }, undefined)).toMatchObject({ wru: 1 });
  });

  it('a PartiQL statement throttled on its own, and a request throttled as a whole, cost nothing', () => {
    expect(itemUnits({ t: 'idem', a: 'put', s: { id: 20 }, fail: 'ThrottlingError' }, undefined).wru).toBe(0);
    expect(requestUnits({ courier_cost: 1, svc: 'DynamoDB', op: 'PutItem', err: 'ProvisionedThroughputExceededException', items: [{ t: 'outbox', a: 'put', s: { event_id: 30 } }] }, tables).wru).toBe(0);
  });

  it('reads: per item, by consistency; a query by its page', () => {
    expect(itemUnits({ t: 'x', a: 'read', b: 5000, c: 1 }, undefined).rru).toBe(2);
    expect(itemUnits({ t: 'x', a: 'read', b: 0 }, undefined).rru).toBe(0.5);
    expect(itemUnits({ t: 'x', a: 'query', b: 9000, n: 20, idx: 'i', p: 1 }, undefined)).toMatchObject({ rru: 1.5, lowerBounds: 1 });
  });

  it('index entries: ALL is the item, KEYS_ONLY the table and index keys', () => {
    const attrs = { event_id: 30, pending: 14, created_at: 18, detail: 600 };
    expect(indexEntryBytes(outbox.indexes[0]!, ['event_id'], attrs)).toBe(662);
    expect(indexEntryBytes(keysOnly.indexes[0]!, ['event_id'], attrs)).toBe(62);
    expect(indexEntryBytes(outbox.indexes[0]!, ['event_id'], { event_id: 30 })).toBeUndefined();
  });
});

describe('reading a run back', () => {
  it('sorts log lines: count lines apart, REPORT durations, the rest counted as log volume', () => {
    const run = emptyRun({ name: 'f', role: 'consumer', owner: 'c', logGroup: 'g', memoryMb: 256 });
    for (const line of [
      '{"courier_cost":1,"svc":"SQS","op":"SendMessage","q":"dlq","chunks":1,"msgs":1}',
      '{"courier_cost":1,"batch":10,"first":9}',
      'START RequestId: r Version: $LATEST',
      '{"level":"INFO","message":"record processed","outcome":"processed"}',
      'REPORT RequestId: r\tDuration: 41 ms\tBilled Duration: 41 ms\tMemory Size: 256 MB\tMax Memory Used: 0 MB',
    ]) takeLine(run, line);
    expect(run.facts).toHaveLength(1);
    expect(run.batches).toEqual([{ courier_cost: 1, batch: 10, first: 9 }]);
    expect(run.durationsMs).toEqual([41]);
    expect(run.logLines).toBe(3);
    expect(run.outcomeLines).toBe(1);
    expect(run.logBytes).toBe(Buffer.byteLength('START RequestId: r Version: $LATEST{"level":"INFO","message":"record processed","outcome":"processed"}REPORT RequestId: r\tDuration: 41 ms\tBilled Duration: 41 ms\tMemory Size: 256 MB\tMax Memory Used: 0 MB'));
  });

  it('the engine log: one SQS batch per ESM line after the offset, with partial and whole failures', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cost-')), 'ministack.log');
    const before = '2026-11-30 07:59:26 INFO [lambda_svc] ESM: Lambda old processed 3 SQS messages from q0\n';
    writeFileSync(
      path,
      before +
        '2026-11-30 08:00:01 INFO [lambda_svc] ESM: Lambda fn processed 10 SQS messages from q1\n' +
        '2026-11-30 08:00:02 INFO [lambda_svc] ESM: Lambda fn processed 8 SQS messages from q1 (2 partial failures)\n' +
        '2026-11-30 08:00:02 INFO [lambda_svc] ESM: Lambda fn output:\n{"level":"INFO"}\n' +
        '2026-11-30 08:00:03 WARNING [lambda_svc] ESM: Lambda fn failed processing SQS batch from q1 (errorType=Error errorMessage=x)\n',
    );
    expect(engineEsmBatches(path, Buffer.byteLength(before))).toEqual([
      { functionName: 'fn', queue: 'q1', deleted: 10, failed: 0 },
      { functionName: 'fn', queue: 'q1', deleted: 8, failed: 2 },
      { functionName: 'fn', queue: 'q1', deleted: 0, failed: -1 },
    ]);
  });
});
