import { readUnits, writeUnits } from './item-size';
import type { ItemFact, RequestFact } from './request-facts';

/**
 * Request units from counted facts, by DynamoDB's rules (item-size.ts) and the tables' real layout:
 * - a write costs one unit per started KB of the item, the larger of its old and new image; an update's
 *   item is sized from the table at the end of the run (items here only grow: attributes are added, the
 *   outbox's `pending` flag is swapped for two timestamps), a put from its request, a failed condition
 *   from the existing item DynamoDB returned;
 * - every item of a TransactWriteItems costs twice (a cancelled transaction is charged in full: an upper
 *   bound, AWS does not say what a cancelled prepare costs);
 * - each GSI whose key attributes the written item carries costs one more write of the projected entry
 *   (ALL: the item; KEYS_ONLY: the table's and the index's keys), once, transaction or not; an update that
 *   removes an index key deletes the entry (one write), one that sets it inserts it (one write), one that
 *   changes a projected attribute of an item in the index rewrites it (one write);
 * - a read costs one unit per started 4 KB strongly consistent, half eventually consistent; a read of a
 *   missing item the minimum; a Query its page's bytes (a ProjectionExpression hides the real size: kept
 *   as a lower bound and counted in `lowerBounds`);
 * - a request throttled or refused as a whole costs nothing, nor does a PartiQL statement throttled or
 *   refused on its own (a statement that failed its condition, DuplicateItem included, is a write).
 */
export interface IndexLayout {
  name: string;
  keys: string[];
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  include?: string[];
}

export interface TableState {
  name: string;
  keyNames: string[];
  indexes: IndexLayout[];
  /** Attribute sizes of every item at the end of the run, by `keyString`. */
  items: ReadonlyMap<string, Record<string, number>>;
}

export interface Units {
  wru: number;
  /** GSI write units by index name */
  gsi: Record<string, number>;
  rru: number;
  /** items whose size could not be known (deleted, or an update of an item gone by the end): charged one unit */
  unknownSizes: number;
  lowerBounds: number;
}

const NOT_CHARGED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'ValidationException', 'ResourceNotFoundException', 'AccessDeniedException', 'InternalServerError', 'TimeoutError', 'AbortError']);

/** Per-item codes (PartiQL statements) of an item the request never wrote or read. */
const ITEM_NOT_CHARGED = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded', 'InternalServerError', 'ValidationError', 'AccessDenied', 'ResourceNotFound']);

const sum = (sizes: Record<string, number> | undefined) => Object.values(sizes ?? {}).reduce((n, s) => n + s, 0);

export const emptyUnits = (): Units => ({ wru: 0, gsi: {}, rru: 0, unknownSizes: 0, lowerBounds: 0 });

export function addUnits(total: Units, more: Units): Units {
  const gsi = { ...total.gsi };
  for (const [name, u] of Object.entries(more.gsi)) gsi[name] = (gsi[name] ?? 0) + u;
  return { wru: total.wru + more.wru, gsi, rru: total.rru + more.rru, unknownSizes: total.unknownSizes + more.unknownSizes, lowerBounds: total.lowerBounds + more.lowerBounds };
}

export const gsiTotal = (u: Units) => Object.values(u.gsi).reduce((n, v) => n + v, 0);

/** The bytes of an index entry of an item with these attribute sizes, or undefined when the item is not in the index. */
export function indexEntryBytes(index: IndexLayout, keyNames: readonly string[], attributes: Record<string, number>): number | undefined {
  if (!index.keys.every((k) => k in attributes)) return undefined;
  if (index.projection === 'ALL') return sum(attributes);
  const projected = new Set([...keyNames, ...index.keys, ...(index.projection === 'INCLUDE' ? (index.include ?? []) : [])]);
  return [...projected].reduce((n, name) => n + (attributes[name] ?? 0), 0);
}

/** Units of one item of a request. */
export function itemUnits(fact: ItemFact, table: TableState | undefined): Units {
  const units = emptyUnits();
  if (fact.fail && ITEM_NOT_CHARGED.has(fact.fail)) return units;
  const factor = fact.tx ? 2 : 1;
  const indexes = table?.indexes ?? [];
  const keyNames = table?.keyNames ?? [];
  switch (fact.a) {
    case 'read':
      units.rru = readUnits(fact.b ?? 0, fact.c ? 'strong' : 'eventual');
      return units;
    case 'query':
      units.rru = readUnits(fact.b ?? 0, fact.c ? 'strong' : 'eventual');
      if (fact.p) units.lowerBounds = 1;
      return units;
    case 'put': {
      const bytes = Math.max(sum(fact.s), fact.ob ?? 0);
      units.wru = factor * writeUnits(bytes);
      if (fact.fail) return units;
      for (const index of indexes) {
        const entry = indexEntryBytes(index, keyNames, fact.s ?? {});
        if (entry !== undefined) units.gsi[index.name] = writeUnits(entry);
      }
      return units;
    }
    case 'update':
    case 'check':
    case 'delete': {
      const final = fact.k === undefined ? undefined : table?.items.get(fact.k);
      if (!final && fact.ob === undefined) units.unknownSizes = 1;
      units.wru = factor * writeUnits(Math.max(sum(final), fact.ob ?? 0));
      if (fact.fail || fact.a !== 'update' || !final) return units;
      const touched = new Set([...(fact.set ?? []), ...(fact.rm ?? [])]);
      for (const index of indexes) {
        const removesKey = index.keys.some((k) => fact.rm?.includes(k));
        const setsKey = index.keys.some((k) => fact.set?.includes(k));
        const entry = indexEntryBytes(index, keyNames, final);
        const projectedTouched = index.projection === 'ALL' ? touched.size > 0 : [...touched].some((a) => (index.include ?? []).includes(a));
        if (removesKey) units.gsi[index.name] = writeUnits(sum(final));
        else if (setsKey || (entry !== undefined && projectedTouched)) units.gsi[index.name] = writeUnits(entry ?? sum(final));
      }
      return units;
    }
  }
}

/** Units of one counted DynamoDB request. */
export function requestUnits(fact: RequestFact, tables: ReadonlyMap<string, TableState>): Units {
  if (fact.svc !== 'DynamoDB' || (fact.err && NOT_CHARGED.has(fact.err))) return emptyUnits();
  return (fact.items ?? []).reduce((total, item) => addUnits(total, itemUnits(item, tables.get(item.t))), emptyUnits());
}
