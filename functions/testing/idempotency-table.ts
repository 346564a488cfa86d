import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type BatchExecuteStatementCommandInput,
  type BatchGetItemCommandInput,
  type CancellationReason,
  type TransactWriteItem,
  type BatchStatementResponse,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { applySet, evaluateCondition } from './condition-expression.js';

type Item = Record<string, AttributeValue>;

/** The part of aws-sdk-client-mock's stub `install` uses (kept structural: the package is the app's test dependency). */
export interface CommandStub {
  on(command: unknown): { callsFake(fn: (input: any) => unknown): unknown };
}

/** A parsed PartiQL statement of the forms the idempotency store sends. */
type Statement =
  | { kind: 'insert'; table: string; attributes: string[] }
  | { kind: 'update'; table: string; set: string[]; where: string[] }
  | { kind: 'delete'; table: string; where: string[] };

const TABLE = '"((?:[^"]|"")+)"';
const INSERT = new RegExp(`^INSERT INTO ${TABLE} VALUE \\{(.*)\\}$`);
const UPDATE = new RegExp(`^UPDATE ${TABLE} ((?:SET "[^"]+" = \\? ?)+)WHERE (.+)$`);
const DELETE = new RegExp(`^DELETE FROM ${TABLE} WHERE (.+)$`);

function parseStatement(text: string): Statement {
  const unquote = (t: string) => t.replaceAll('""', '"');
  const where = (clause: string) =>
    clause.split(' AND ').map((c) => {
      const m = /^"([^"]+)" = \?$/.exec(c.trim());
      if (!m) throw new Error(`PartiQL fake: cannot read condition "${c}"`);
      return m[1]!;
    });
  let m = INSERT.exec(text);
  if (m) {
    const attributes = m[2]!.split(',').map((pair) => {
      const a = /^\s*'([^']+)'\s*:\s*\?\s*$/.exec(pair);
      if (!a) throw new Error(`PartiQL fake: cannot read "${pair}" in ${text}`);
      return a[1]!;
    });
    return { kind: 'insert', table: unquote(m[1]!), attributes };
  }
  m = UPDATE.exec(text);
  if (m) return { kind: 'update', table: unquote(m[1]!), set: [...m[2]!.matchAll(/SET "([^"]+)" = \?/g)].map((s) => s[1]!), where: where(m[3]!) };
  m = DELETE.exec(text);
  if (m) return { kind: 'delete', table: unquote(m[1]!), where: where(m[2]!) };
  throw new Error(`PartiQL fake: statement not understood: ${text}`);
}

const equal = (a: AttributeValue | undefined, b: AttributeValue | undefined) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);
const conditionFailed = { Code: 'ConditionalCheckFailed' as const, Message: 'The conditional request failed' };

/**
 * An in-memory idempotency table that executes what courier's consumer sends — its PartiQL statements
 * (read from their text: a WHERE clause the code leaves out is a condition the fake does not check),
 * conditional PutItem and TransactWriteItems with their condition expressions evaluated, GetItem and
 * BatchGetItem — with DynamoDB's per-statement errors and CancellationReasons (carrying the old item
 * where the request asked for ALL_OLD). Route a mocked client to it with `install`.
 *
 * @example
 * const ddb = mockClient(DynamoDBClient);
 * const table = new InMemoryIdempotencyTable('idempotency');
 * table.install(ddb);
 * await handler(sqsEvent(sqsRecord(eventBridgeEvent(OrderCreatedV1, payload))), fakeLambdaContext());
 * expect(table.status(`my-consumer#${eventId}`)).toBe('COMPLETED');
 */
export class InMemoryIdempotencyTable {
  readonly items = new Map<string, Item>();
  /** Whether a DuplicateItem error carries the existing item (AWS does not document it; the runtime handles both). */
  returnItemOnDuplicate = true;

  constructor(readonly tableName = 'idempotency') {}

  /** Routes BatchExecuteStatement, PutItem, GetItem, BatchGetItem and TransactWriteItems of the mocked client here. */
  install(stub: CommandStub): void {
    stub.on(BatchGetItemCommand).callsFake((input) => this.batchGetItem(input));
    stub.on(BatchExecuteStatementCommand).callsFake((input) => this.batchExecuteStatement(input));
    stub.on(PutItemCommand).callsFake((input) => this.putItem(input));
    stub.on(GetItemCommand).callsFake((input) => this.getItem(input));
    stub.on(TransactWriteItemsCommand).callsFake((input) => this.transactWriteItems(input));
  }

  /** The marker's status (`IN_PROGRESS` / `COMPLETED`), or undefined when there is none. */
  status(id: string): string | undefined {
    return this.items.get(id)?.status?.S;
  }

  batchExecuteStatement(input: BatchExecuteStatementCommandInput): { Responses: BatchStatementResponse[] } {
    return { Responses: (input.Statements ?? []).map((s) => this.execute(s.Statement!, s.Parameters ?? [], s.ReturnValuesOnConditionCheckFailure === 'ALL_OLD')) };
  }

  putItem(input: PutItemCommandInput): Record<string, never> {
    this.ownTable(input.TableName);
    const id = input.Item!.id!.S!;
    const existing = this.items.get(id);
    const context = { names: input.ExpressionAttributeNames, values: input.ExpressionAttributeValues };
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, existing, context)) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        ...(input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing && { Item: existing }),
      });
    }
    this.items.set(id, input.Item!);
    return {};
  }

  getItem(input: GetItemCommandInput): { Item?: Item } {
    this.ownTable(input.TableName);
    const item = this.items.get(input.Key!.id!.S!);
    return item ? { Item: item } : {};
  }

  /** Reads up to 100 keys of this table (a request for another table is an error: the fake is one table). */
  batchGetItem(input: BatchGetItemCommandInput): { Responses: Record<string, Item[]>; UnprocessedKeys: Record<string, never> } {
    const tables = Object.keys(input.RequestItems ?? {});
    for (const table of tables) this.ownTable(table);
    const keys = input.RequestItems?.[this.tableName]?.Keys ?? [];
    if (keys.length > 100) throw new Error(`BatchGetItem takes at most 100 keys, got ${keys.length}`);
    const found = keys.flatMap((key) => {
      const item = this.items.get(key.id!.S!);
      return item ? [item] : [];
    });
    return { Responses: { [this.tableName]: found }, UnprocessedKeys: {} };
  }

  /**
   * Items on this table are evaluated (Put, Update with SET, ConditionCheck); items on other tables are
   * accepted as written (the business tables are the test's own concern). A failed condition's reason
   * carries the item as it was when the operation asked for ALL_OLD, as DynamoDB does.
   */
  transactWriteItems(input: TransactWriteItemsCommandInput): Record<string, never> {
    const reasons = (input.TransactItems ?? []).map((t) => this.reasonFor(t));
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });
    }
    for (const t of input.TransactItems ?? []) this.apply(t);
    return {};
  }

  /**
   * The CancellationReason of one transaction item: its condition evaluated if it is on this table
   * (with the old item when it asked for ALL_OLD), `None` for items on other tables. For a test's own
   * fake of the business tables, which joins the marker to its transactions.
   */
  reasonFor(t: TransactWriteItem): CancellationReason {
    const op = t.Update ?? t.Put ?? t.ConditionCheck ?? t.Delete;
    if (!op || op.TableName !== this.tableName) return { Code: 'None' };
    const key = ('Key' in op && op.Key ? op.Key : (op as { Item: Item }).Item).id!.S!;
    const existing = this.items.get(key);
    const context = { names: op.ExpressionAttributeNames, values: op.ExpressionAttributeValues };
    if (op.ConditionExpression && !evaluateCondition(op.ConditionExpression, existing, context)) {
      return { ...conditionFailed, ...(op.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && existing && { Item: existing }) };
    }
    return { Code: 'None' };
  }

  /** Applies one transaction item if it is on this table (after every item's reason was `None`). */
  apply(t: TransactWriteItem): void {
    if (t.Update?.TableName === this.tableName) {
      const id = t.Update.Key!.id!.S!;
      const context = { names: t.Update.ExpressionAttributeNames, values: t.Update.ExpressionAttributeValues };
      this.items.set(id, applySet(t.Update.UpdateExpression!, this.items.get(id) ?? t.Update.Key!, context));
    } else if (t.Put?.TableName === this.tableName) this.items.set(t.Put.Item!.id!.S!, t.Put.Item!);
    else if (t.Delete?.TableName === this.tableName) this.items.delete(t.Delete.Key!.id!.S!);
  }

  private execute(text: string, parameters: AttributeValue[], returnOld: boolean): BatchStatementResponse {
    const statement = parseStatement(text);
    this.ownTable(statement.table);
    const bound = <T extends string>(names: T[], offset = 0) => new Map(names.map((n, i) => [n, parameters[offset + i]!]));
    if (statement.kind === 'insert') {
      const item = Object.fromEntries(bound(statement.attributes)) as Item;
      const existing = this.items.get(item.id!.S!);
      if (existing) return { Error: { Code: 'DuplicateItem', Message: 'Duplicate primary key exists in table', ...(returnOld && this.returnItemOnDuplicate && { Item: existing }) } };
      this.items.set(item.id!.S!, item);
      return {};
    }
    const set = statement.kind === 'update' ? bound(statement.set) : new Map<string, AttributeValue>();
    const where = bound(statement.where, set.size);
    const id = where.get('id')?.S;
    if (id === undefined) throw new Error(`PartiQL fake: WHERE must name the key "id": ${text}`);
    const existing = this.items.get(id);
    // A missing item fails every condition beyond the key, as DynamoDB evaluates it.
    if (!existing || [...where].some(([name, value]) => !equal(existing[name], value))) return { Error: conditionFailed };
    if (statement.kind === 'delete') this.items.delete(id);
    else this.items.set(id, { ...existing, ...Object.fromEntries(set) });
    return {};
  }

  private ownTable(table: string | undefined): void {
    if (table !== this.tableName) throw new Error(`in-memory idempotency table ${this.tableName} got a request for table ${table}`);
  }
}
