import {
  BatchGetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type BatchGetItemCommandInput,
  type TransactWriteItem,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { evaluateCondition } from '../../../functions/testing/condition-expression';
import { InMemoryIdempotencyTable, TABLE as IDEMPOTENCY_TABLE } from '../runtime/helpers';

type Item = Record<string, AttributeValue>;
type Values = Record<string, AttributeValue> | undefined;
type Names = Record<string, string> | undefined;

/**
 * In-memory tables for the service handler tests: BatchGetItem and TransactWriteItems (all-or-nothing,
 * CancellationReasons in request order, ALL_OLD items) over the business tables, the outbox and the
 * idempotency markers (shared with InMemoryIdempotencyTable, which answers the runtime's claims).
 * Conditions are evaluated by courier/testing's evaluator (the one the idempotency table uses); updates
 * understand exactly the forms the handlers write (`SET a = :v | a - :v | a + :v`, `ADD a :v`) and
 * throw on anything else, so a new form fails loudly instead of being ignored.
 */
export class FakeTables {
  readonly idempotency = new InMemoryIdempotencyTable();
  private readonly tables = new Map<string, { key: string; items: Map<string, Item> }>();
  /** Runs once, just before the next transaction is evaluated: a concurrent writer getting in first. */
  beforeNextTransaction?: () => void;

  constructor(keys: Record<string, string>) {
    for (const [name, key] of Object.entries(keys)) this.tables.set(name, { key, items: new Map() });
    this.tables.set(IDEMPOTENCY_TABLE, { key: 'id', items: this.idempotency.items });
  }

  /** Routes the DynamoDB commands the handlers and the runtime send to these tables. */
  install(ddb: AwsStub<any, any, any>): void {
    this.idempotency.install(ddb);
    ddb.on(BatchGetItemCommand).callsFake((input) => this.batchGet(input));
    ddb.on(TransactWriteItemsCommand).callsFake((input) => this.transact(input));
  }

  put(table: string, item: Record<string, unknown>): void {
    const t = this.table(table);
    this.items(table).set(String(item[t.key]), marshall(item));
  }

  get(table: string, key: string): Record<string, any> | undefined {
    const item = this.items(table).get(key);
    return item && unmarshall(item);
  }

  all(table: string): Record<string, any>[] {
    return [...this.items(table).values()].map((i) => unmarshall(i));
  }

  batchGet(input: BatchGetItemCommandInput) {
    const Responses: Record<string, Item[]> = {};
    for (const [table, request] of Object.entries(input.RequestItems ?? {})) {
      // The handlers read consistently; the runtime's marker read (optimistic mode) is eventually consistent by design.
      if (request.ConsistentRead !== true && table !== IDEMPOTENCY_TABLE) throw new Error(`BatchGetItem on ${table} is not a consistent read`);
      if ((request.Keys ?? []).length > 100) throw new Error('BatchGetItem takes at most 100 keys');
      const t = this.table(table);
      Responses[table] = (request.Keys ?? []).flatMap((k): Item[] => {
        const item = this.items(table).get(k[t.key]!.S!);
        return item ? [item] : [];
      });
    }
    return { Responses, UnprocessedKeys: {} };
  }

  transact(input: TransactWriteItemsCommandInput) {
    const hook = this.beforeNextTransaction;
    this.beforeNextTransaction = undefined;
    hook?.();
    const writes = input.TransactItems ?? [];
    if (writes.length > 100) throw new Error(`TransactWriteItems takes at most 100 items, got ${writes.length}`);
    const targets = writes.map((w) => this.target(w));
    const seen = new Set(targets.map((t) => `${t.table}|${t.key}`));
    if (seen.size !== targets.length) throw new Error('ValidationException: transaction touches one item more than once');
    const reasons = targets.map(({ table, key, action }) => {
      const old = this.items(table).get(key);
      const context = { names: action.ExpressionAttributeNames, values: action.ExpressionAttributeValues };
      if (!action.ConditionExpression || evaluateCondition(action.ConditionExpression, old, context)) return { Code: 'None' };
      return { Code: 'ConditionalCheckFailed', ...(old && action.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && { Item: old }) };
    });
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }
    for (const { table, key, write, action } of targets) {
      const items = this.items(table);
      if (write.Put) items.set(key, write.Put.Item!);
      else if (write.Update) items.set(key, update(items.get(key) ?? { ...write.Update.Key }, write.Update.UpdateExpression!, action.ExpressionAttributeNames, action.ExpressionAttributeValues));
      else if (write.Delete) items.delete(key);
    }
    return {};
  }

  private table(name: string) {
    const t = this.tables.get(name);
    if (!t) throw new Error(`ResourceNotFoundException: no table ${name}`);
    return t;
  }

  private items(name: string) {
    return this.table(name).items;
  }

  private target(write: TransactWriteItem) {
    const action = write.Put ?? write.Update ?? write.Delete ?? write.ConditionCheck;
    if (!action) throw new Error('empty transaction item');
    const t = this.table(action.TableName!);
    const source = write.Put ? write.Put.Item! : (action as { Key: Item }).Key;
    return { table: action.TableName!, key: source[t.key]!.S!, write, action };
  }
}

const name = (token: string, names: Names) => (token.startsWith('#') ? names![token]! : token);
const value = (token: string, values: Values) => unmarshall(values!)[token] as unknown;

function update(item: Item, expression: string, names: Names, values: Values): Item {
  const next = unmarshall(item);
  for (const [, verb, body] of expression.matchAll(/(SET|ADD)\s+(.*?)(?=\s+(?:SET|ADD)\s+|$)/g)) {
    for (const part of body!.split(',').map((p) => p.trim())) {
      if (verb === 'ADD') {
        const [attr, v] = part.split(/\s+/);
        next[name(attr!, names)] = ((next[name(attr!, names)] as number | undefined) ?? 0) + (value(v!, values) as number);
        continue;
      }
      const m = /^(\S+)\s*=\s*(?:(\S+)\s*([-+])\s*)?(:\S+)$/.exec(part);
      if (!m) throw new Error(`fake table: unsupported update "${part}"`);
      const v = value(m[4]!, values) as number;
      next[name(m[1]!, names)] = m[2] ? (next[name(m[2], names)] as number) + (m[3] === '-' ? -v : v) : v;
    }
  }
  return marshall(next);
}
