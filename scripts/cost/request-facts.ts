import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { entrySize } from '../../functions/runtime/publish/put-events-batches';
import { attributeSizes, itemSize } from './item-size';

/**
 * What one AWS request did, as far as its bill goes: the facts the counting middleware
 * (count-middleware.ts) writes as one line per request attempt inside the deployed functions, and
 * bench/counted-cost.ts turns into request units and dollars. Facts, not units: an update's item size is
 * not in the request, so it is resolved afterwards from the table (units.ts), and which writes touch a
 * GSI depends on the table's indexes, which the function does not know.
 */

/** What a request did to one DynamoDB item (short keys: one line per request, tens of thousands per run). */
export interface ItemFact {
  /** table */
  t: string;
  /** put (insert or replace), update, delete, check (transaction ConditionCheck), read (one item by key), query (a page) */
  a: 'put' | 'update' | 'delete' | 'check' | 'read' | 'query';
  /** inside TransactWriteItems (every item costs twice) */
  tx?: 1;
  /** the item's key, `name=value` pairs joined by `&` in name order (update, delete, check) */
  k?: string;
  /** put: bytes of every attribute of the new item (name included) */
  s?: Record<string, number>;
  /** update: top-level attributes it sets, and those it removes */
  set?: string[];
  rm?: string[];
  /** read: bytes of the item returned (0: no such item); query: bytes of the items returned */
  b?: number;
  /** strongly consistent read */
  c?: 1;
  /** query: the index read, and how many items came back */
  idx?: string;
  n?: number;
  /** query: a ProjectionExpression trimmed the items, so `b` is a lower bound */
  p?: 1;
  /** bytes of the existing item DynamoDB returned on a failed condition (ALL_OLD) */
  ob?: number;
  /** why this item's write did not apply: ConditionalCheckFailed, DuplicateItem, TransactionConflict… */
  fail?: string;
}

/** The engine's own ConsumedCapacity for the request, per table (a cross-check, not the measurement). */
export interface EngineCapacity {
  t: string;
  u: number;
  gsi?: Record<string, number>;
}

export interface RequestFact {
  /** the marker every count line carries (filter pattern `"courier_cost"`) */
  courier_cost: 1;
  /** service id as the SDK names it: DynamoDB, SQS, EventBridge… */
  svc: string;
  /** operation without `Command` */
  op: string;
  /** error name when the request failed as a whole */
  err?: string;
  items?: ItemFact[];
  cc?: EngineCapacity[];
  /** SQS: queue name; billed requests (64 KB chunks of the payload); messages in the request */
  q?: string;
  chunks?: number;
  msgs?: number;
  /** EventBridge PutEvents: entries sent, entries that failed, and billed events (64 KB chunks of the entries that went out) */
  entries?: number;
  failed?: number;
  events?: number;
}

/** A line the consumer middleware writes per batch: records received, and how many for the first time. */
export interface BatchFact {
  courier_cost: 1;
  batch: number;
  first: number;
}

type Item = Record<string, AttributeValue>;
type Input = Record<string, any>;
type Output = Record<string, any> | undefined;

const CHUNK = 64 * 1024;

/** `name=value` pairs of a key in name order: the same item gives the same string in the function and the script. */
export function keyString(key: Item): string {
  return Object.keys(key)
    .sort()
    .map((name) => `${name}=${key[name]!.S ?? key[name]!.N ?? JSON.stringify(key[name])}`)
    .join('&');
}

/** Top-level attribute names an update expression sets (SET, ADD) and removes (REMOVE, DELETE from a set counts as a set). */
export function updatedAttributes(expression: string, names: Record<string, string> = {}): { set: string[]; rm: string[] } {
  const set = new Set<string>();
  const rm = new Set<string>();
  const resolve = (path: string) => {
    const first = path.trim().split(/[.[]/)[0]!.trim().replace(/^"(.*)"$/, '$1');
    return first.startsWith('#') ? (names[first] ?? first) : first;
  };
  // clauses start at a top-level keyword; PartiQL repeats SET per attribute, which splits the same way
  const clauses = expression.split(/\b(SET|REMOVE|ADD|DELETE)\b/i).slice(1);
  for (let i = 0; i + 1 < clauses.length; i += 2) {
    const keyword = clauses[i]!.toUpperCase();
    for (const action of splitTopLevel(clauses[i + 1]!)) {
      if (!action.trim()) continue;
      if (keyword === 'SET') set.add(resolve(action.split('=')[0]!));
      else if (keyword === 'REMOVE') rm.add(resolve(action));
      else set.add(resolve(action.trim().split(/\s+/)[0]!));
    }
  }
  return { set: [...set], rm: [...rm] };
}

/** Splits on commas outside parentheses and brackets. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The unquoted table name of a PartiQL statement (`INSERT INTO "t"`, `UPDATE "t"`, `DELETE FROM "t"`). */
const partiqlTable = (statement: string): string => /(?:INTO|UPDATE|FROM)\s+"((?:[^"]|"")+)"/i.exec(statement)?.[1]?.replaceAll('""', '"') ?? '?';

/**
 * One PartiQL write as an item fact: INSERT … VALUE {'a': ?, …} becomes a put of that item; UPDATE and
 * DELETE … WHERE "<key>" = ? name their item by the parameter in that position.
 */
export function partiqlFact(statement: string, parameters: AttributeValue[] = []): ItemFact {
  const t = partiqlTable(statement);
  const verb = statement.trim().split(/\s+/)[0]!.toUpperCase();
  if (verb === 'INSERT') {
    const body = /VALUE\s*\{(.*)\}/is.exec(statement)?.[1] ?? '';
    let p = 0;
    const item: Item = {};
    for (const pair of splitTopLevel(body)) {
      const match = /^\s*'([^']+)'\s*:\s*(\?|'[^']*'|[-\d.]+)\s*$/.exec(pair);
      if (!match) continue;
      const [, name, value] = match;
      item[name!] = value === '?' ? parameters[p++]! : value!.startsWith("'") ? { S: value!.slice(1, -1) } : { N: value! };
    }
    return { t, a: 'put', s: attributeSizes(item) };
  }
  const where = /WHERE\s+"?([^"\s=]+)"?\s*=\s*\?/i.exec(statement);
  const keyParameter = where ? (statement.slice(0, where.index).match(/\?/g)?.length ?? 0) : -1;
  const key = where && parameters[keyParameter] ? keyString({ [where[1]!]: parameters[keyParameter]! }) : undefined;
  if (verb === 'UPDATE') {
    const assignments = statement.slice(statement.search(/\b(SET|REMOVE)\b/i), where?.index ?? statement.length);
    return { t, a: 'update', k: key, ...updatedAttributes(assignments) };
  }
  return { t, a: verb === 'DELETE' ? 'delete' : 'read', k: key };
}

const errorCodeOf = (error: unknown): string => (error as { name?: string })?.name ?? 'Error';

/** The facts of one DynamoDB request, from its input and its output or error. */
export function dynamoFacts(op: string, input: Input, output: Output, error?: unknown): Pick<RequestFact, 'items' | 'cc'> {
  const failed = error ? errorCodeOf(error) : undefined;
  const oldItem = (error as { Item?: Item } | undefined)?.Item;
  const cc = engineCapacity(output?.ConsumedCapacity);
  const withCc = (items: ItemFact[]) => (cc ? { items, cc } : { items });
  switch (op) {
    case 'PutItem':
      return withCc([{ t: input.TableName, a: 'put', s: attributeSizes(input.Item), ...conditionFailure(failed, oldItem) }]);
    case 'UpdateItem':
      return withCc([{ t: input.TableName, a: 'update', k: keyString(input.Key), ...updatedAttributes(input.UpdateExpression ?? '', input.ExpressionAttributeNames), ...conditionFailure(failed, oldItem) }]);
    case 'DeleteItem':
      return withCc([{ t: input.TableName, a: 'delete', k: keyString(input.Key), ...conditionFailure(failed, oldItem) }]);
    case 'GetItem':
      return withCc(failed ? [] : [{ t: input.TableName, a: 'read', b: output?.Item ? itemSize(output.Item) : 0, ...(input.ConsistentRead ? { c: 1 as const } : {}) }]);
    case 'BatchGetItem':
      return withCc(failed ? [] : batchGetFacts(input, output));
    case 'Query':
    case 'Scan':
      return withCc(failed ? [] : [queryFact(input, output)]);
    case 'BatchWriteItem':
      return withCc(failed ? [] : batchWriteFacts(input, output));
    case 'TransactWriteItems':
      return withCc(transactFacts(input, error));
    case 'BatchExecuteStatement':
      return withCc(failed ? [] : (input.Statements ?? []).map((s: { Statement: string; Parameters?: AttributeValue[] }, i: number) => statementFact(s, output?.Responses?.[i])));
    default:
      return cc ? { cc } : {};
  }
}

function conditionFailure(code: string | undefined, oldItem: Item | undefined): Partial<ItemFact> {
  if (!code) return {};
  return { fail: code.replace(/Exception$/, ''), ...(oldItem ? { ob: itemSize(oldItem) } : {}) };
}

function statementFact(statement: { Statement: string; Parameters?: AttributeValue[] }, response: { Error?: { Code?: string; Item?: Item } } | undefined): ItemFact {
  const fact = partiqlFact(statement.Statement, statement.Parameters);
  const code = response?.Error?.Code;
  if (!code) return fact;
  return { ...fact, fail: code, ...(response?.Error?.Item ? { ob: itemSize(response.Error.Item) } : {}) };
}

function batchGetFacts(input: Input, output: Output): ItemFact[] {
  return Object.entries(input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>).flatMap(([table, request]) => {
    const returned: Item[] = output?.Responses?.[table] ?? [];
    const unprocessed = output?.UnprocessedKeys?.[table]?.Keys?.length ?? 0;
    const missing = request.Keys.length - unprocessed - returned.length;
    const c = request.ConsistentRead ? { c: 1 as const } : {};
    return [...returned.map((item): ItemFact => ({ t: table, a: 'read', b: itemSize(item), ...c })), ...Array.from({ length: Math.max(0, missing) }, (): ItemFact => ({ t: table, a: 'read', b: 0, ...c }))];
  });
}

function queryFact(input: Input, output: Output): ItemFact {
  const items: Item[] = output?.Items ?? [];
  return {
    t: input.TableName,
    a: 'query',
    b: items.reduce((n, item) => n + itemSize(item), 0),
    n: items.length,
    ...(input.IndexName ? { idx: input.IndexName } : {}),
    ...(input.ConsistentRead ? { c: 1 as const } : {}),
    ...(input.ProjectionExpression || input.Select === 'COUNT' ? { p: 1 as const } : {}),
  };
}

function batchWriteFacts(input: Input, output: Output): ItemFact[] {
  return Object.entries(input.RequestItems as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>).flatMap(([table, requests]) => {
    const unprocessed = new Set((output?.UnprocessedItems?.[table] ?? []).map((r: { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }) => JSON.stringify(r)));
    return requests
      .filter((r) => !unprocessed.has(JSON.stringify(r)))
      .map((r): ItemFact => (r.PutRequest ? { t: table, a: 'put', s: attributeSizes(r.PutRequest.Item) } : { t: table, a: 'delete', k: keyString(r.DeleteRequest!.Key) }));
  });
}

function transactFacts(input: Input, error: unknown): ItemFact[] {
  const reasons: { Code?: string; Item?: Item }[] = (error as { CancellationReasons?: { Code?: string; Item?: Item }[] } | undefined)?.CancellationReasons ?? [];
  return (input.TransactItems ?? []).map((action: Input, i: number): ItemFact => {
    const reason = reasons[i]?.Code && reasons[i]!.Code !== 'None' ? reasons[i] : undefined;
    const failure = reason ? { fail: reason.Code!, ...(reason.Item ? { ob: itemSize(reason.Item) } : {}) } : error ? { fail: 'TransactionCanceled' } : {};
    if (action.Put) return { t: action.Put.TableName, a: 'put', tx: 1, s: attributeSizes(action.Put.Item), ...failure };
    if (action.Update) return { t: action.Update.TableName, a: 'update', tx: 1, k: keyString(action.Update.Key), ...updatedAttributes(action.Update.UpdateExpression, action.Update.ExpressionAttributeNames), ...failure };
    if (action.Delete) return { t: action.Delete.TableName, a: 'delete', tx: 1, k: keyString(action.Delete.Key), ...failure };
    return { t: action.ConditionCheck?.TableName ?? '?', a: 'check', tx: 1, k: action.ConditionCheck ? keyString(action.ConditionCheck.Key) : undefined, ...failure };
  });
}

function engineCapacity(consumed: unknown): EngineCapacity[] | undefined {
  if (!consumed) return undefined;
  const list = (Array.isArray(consumed) ? consumed : [consumed]) as { TableName?: string; CapacityUnits?: number; GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> }[];
  return list.map((c) => ({
    t: c.TableName ?? '?',
    u: c.CapacityUnits ?? 0,
    ...(c.GlobalSecondaryIndexes ? { gsi: Object.fromEntries(Object.entries(c.GlobalSecondaryIndexes).map(([name, v]) => [name, v.CapacityUnits ?? 0])) } : {}),
  }));
}

const queueName = (url: string | undefined) => url?.split('/').at(-1) ?? '?';
const chunksOf = (bytes: number) => Math.max(1, Math.ceil(bytes / CHUNK));

/** Payload bytes of an SQS message as SQS bills them: the body and its message attributes (names, types, values). */
function messageBytes(message: { MessageBody?: string; MessageAttributes?: Record<string, { DataType?: string; StringValue?: string; BinaryValue?: Uint8Array }> }): number {
  const attributes = Object.entries(message.MessageAttributes ?? {}).reduce(
    (n, [name, v]) => n + Buffer.byteLength(name) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? '') + (v.BinaryValue?.byteLength ?? 0),
    0,
  );
  return Buffer.byteLength(message.MessageBody ?? '') + attributes;
}

/** The facts of one SQS request: its queue, billed requests (64 KB chunks) and messages. */
export function sqsFacts(op: string, input: Input): Pick<RequestFact, 'q' | 'chunks' | 'msgs'> {
  const entries: Input[] | undefined = input.Entries;
  const bytes = entries ? entries.reduce((n, e) => n + messageBytes(e), 0) : messageBytes(input);
  return { q: queueName(input.QueueUrl), chunks: chunksOf(bytes), msgs: entries?.length ?? (op === 'ReceiveMessage' ? 0 : 1) };
}

/** The facts of one PutEvents request: entries, failures, and billed events (each entry that went out, per 64 KB). */
export function putEventsFacts(input: Input, output: Output): Pick<RequestFact, 'entries' | 'failed' | 'events'> {
  const entries: PutEventsRequestEntry[] = input.Entries ?? [];
  const results: { ErrorCode?: string }[] = output?.Entries ?? [];
  const sent = entries.filter((_, i) => output && !results[i]?.ErrorCode);
  return { entries: entries.length, failed: entries.length - sent.length, events: sent.reduce((n, e) => n + chunksOf(entrySize(e)), 0) };
}
