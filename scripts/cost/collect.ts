import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { scanPages } from '../../bin/cli/scan';
import { forEachLogLine } from '../local/outcomes';
import type { LocalSystem } from '../local/system';
import { COUNT_MARKER } from './count-middleware';
import type { DeployedFunction } from './deployed-functions';
import { attributeSizes } from './item-size';
import { keyString, type BatchFact, type RequestFact } from './request-facts';
import type { IndexLayout, TableState } from './units';

/**
 * Reading a run back: the count lines each function's processes wrote into the run's directory; each
 * function's log group (the platform REPORT lines with durations, and every line's bytes: the log volume
 * CloudWatch Logs would bill); the engine's own log (its SQS event source mapping: one line per batch
 * it received); and the tables (layout and every item's size at the end of the run).
 */
export interface FunctionRun {
  fn: DeployedFunction;
  facts: RequestFact[];
  batches: BatchFact[];
  /** Billed duration (ms) of each invocation, from its REPORT line. */
  durationsMs: number[];
  /** Lines and UTF-8 bytes of everything the function logged (platform lines included; count lines, should any be in the log, left out). */
  logLines: number;
  logBytes: number;
  /** The runtime's per-record outcome lines in the log: against the batch sizes counted, what the engine's log capture lost. */
  outcomeLines: number;
}

const REPORT = /^REPORT RequestId: \S+\s+Duration: [\d.]+ ms\s+Billed Duration: ([\d.]+) ms/;

/** Sorts one log line into a function's run (exported for tests). */
export function takeLine(run: FunctionRun, line: string): void {
  if (line.startsWith(`{"${COUNT_MARKER}":1`)) {
    const fact = JSON.parse(line) as RequestFact | BatchFact;
    if ('batch' in fact) run.batches.push(fact);
    else run.facts.push(fact);
    return;
  }
  run.logLines += 1;
  run.logBytes += Buffer.byteLength(line, 'utf8');
  if (line.includes('"outcome":"')) run.outcomeLines += 1;
  const report = REPORT.exec(line);
  if (report) run.durationsMs.push(Math.ceil(Number(report[1])));
}

export const emptyRun = (fn: DeployedFunction): FunctionRun => ({ fn, facts: [], batches: [], durationsMs: [], logLines: 0, logBytes: 0, outcomeLines: 0 });

/** A function's run: its count files in `countDir` (one per process), then its log group since `sinceMs`. */
export async function readFunctionRun(sys: LocalSystem, fn: DeployedFunction, countDir: string, sinceMs: number): Promise<FunctionRun> {
  const run = emptyRun(fn);
  for (const file of readdirSync(countDir).filter((f) => f.startsWith(`${fn.name}.`) && f.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(countDir, file), 'utf8').split('\n')) if (line) takeLine(run, line);
  }
  await forEachLogLine(sys.clients.logs, fn.logGroup, sinceMs, '', (line) => takeLine(run, line));
  return run;
}

/** One SQS batch the engine's event source mapping received and handed to a function. */
export interface EsmBatch {
  functionName: string;
  queue: string;
  /** Messages deleted after the invocation (those not reported as failures); 0 when the invocation failed. */
  deleted: number;
  failed: number;
}

const ESM_OK = /ESM: Lambda (\S+) processed (\d+) SQS messages from (\S+?)(?: \((\d+) partial failures\))?$/;
const ESM_FAILED = /ESM: Lambda (\S+) failed processing SQS batch from (\S+) /;

/** The engine log's byte length now: a run reads only what comes after. */
export const engineLogOffset = (path: string): number => statSync(path).size;

/** The SQS batches the engine's poller dispatched, from its log after `offset` (MiniStack 1.5.33 logs one line per batch at INFO). */
export function engineEsmBatches(path: string, offset: number): EsmBatch[] {
  const text = readFileSync(path).subarray(offset).toString('utf8');
  const batches: EsmBatch[] = [];
  for (const line of text.split('\n')) {
    const ok = ESM_OK.exec(line);
    if (ok) {
      batches.push({ functionName: ok[1]!, queue: ok[3]!, deleted: Number(ok[2]), failed: Number(ok[4] ?? 0) });
      continue;
    }
    const failed = ESM_FAILED.exec(line);
    if (failed) batches.push({ functionName: failed[1]!, queue: failed[2]!, deleted: 0, failed: -1 });
  }
  return batches;
}

/** Key schema, GSIs and the size of every item of each table, as they are now. */
export async function tableStates(sys: LocalSystem, names: Iterable<string>): Promise<Map<string, TableState>> {
  const states = new Map<string, TableState>();
  for (const name of names) {
    const { Table } = await sys.clients.dynamodb.send(new DescribeTableCommand({ TableName: name }));
    const keyNames = (Table?.KeySchema ?? []).map((k) => k.AttributeName!);
    const indexes: IndexLayout[] = (Table?.GlobalSecondaryIndexes ?? []).map((g) => ({
      name: g.IndexName!,
      keys: (g.KeySchema ?? []).map((k) => k.AttributeName!),
      projection: (g.Projection?.ProjectionType ?? 'ALL') as IndexLayout['projection'],
      include: g.Projection?.NonKeyAttributes,
    }));
    const items = new Map<string, Record<string, number>>();
    for await (const page of scanPages(sys.clients.dynamodb, { TableName: name })) {
      for (const item of page) items.set(keyString(Object.fromEntries(keyNames.map((k) => [k, item[k]!]))), attributeSizes(item));
    }
    states.set(name, { name, keyNames, indexes, items });
  }
  return states;
}
