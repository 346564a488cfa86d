import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  QueryCommand,
  UpdateItemCommand,
  type BatchGetItemCommandInput,
  type QueryCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

type Row = Record<string, any>;

/**
 * An in-memory outbox table for the sweeper and relay tests: the sparse `pending-by-age` index (Query with
 * `Limit` and `ExclusiveStartKey`, oldest first), consistent BatchGetItem, and UpdateItem of exactly the
 * forms the outbox table sends (`SET a = :v, …`, `REMOVE #a`, conditions of `#status = :pending` and
 * `(attempts = :seen OR attribute_not_exists(attempts))` joined by AND). Anything else throws, so a new
 * form fails loudly.
 */
export class FakeOutbox {
  readonly rows = new Map<string, Row>();

  constructor(readonly tableName = 'outbox') {}

  add(row: Row): void {
    this.rows.set(row.event_id, { ...row });
  }

  install(ddb: AwsStub<any, any, any>): void {
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => this.query(input));
    ddb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => this.batchGet(input));
    ddb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => this.update(input));
  }

  private query(input: QueryCommandInput) {
    if (input.IndexName !== 'pending-by-age') throw new Error(`unexpected index ${input.IndexName}`);
    const bound = Number(input.ExpressionAttributeValues![':bound']!.N);
    const order = (r: Row) => [r.created_at, r.event_id] as const;
    const indexed = [...this.rows.values()]
      .filter((r) => r.pending === 'PENDING' && r.created_at <= bound)
      .sort((a, b) => a.created_at - b.created_at || String(a.event_id).localeCompare(b.event_id));
    const start = input.ExclusiveStartKey ? unmarshall(input.ExclusiveStartKey) : undefined;
    const after = start
      ? indexed.filter((r) => {
          const [c, id] = order(r);
          return c > start.created_at || (c === start.created_at && id > start.event_id);
        })
      : indexed;
    const page = after.slice(0, input.Limit ?? after.length);
    const last = page.at(-1);
    const more = page.length < after.length;
    return {
      Items: page.map((r) => marshall({ event_id: r.event_id })),
      ...(more && last ? { LastEvaluatedKey: marshall({ event_id: last.event_id, pending: 'PENDING', created_at: last.created_at }) } : {}),
    };
  }

  private batchGet(input: BatchGetItemCommandInput) {
    const request = input.RequestItems![this.tableName]!;
    if (request.ConsistentRead !== true) throw new Error('BatchGetItem on the outbox is not a consistent read');
    const found = request.Keys!.flatMap((k) => {
      const row = this.rows.get(k.event_id!.S!);
      return row ? [marshall(row, { removeUndefinedValues: true })] : [];
    });
    return { Responses: { [this.tableName]: found }, UnprocessedKeys: {} };
  }

  private update(input: UpdateItemCommandInput) {
    const id = unmarshall(input.Key!).event_id as string;
    const row = this.rows.get(id);
    const names = input.ExpressionAttributeNames ?? {};
    const values = unmarshall(input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    const name = (token: string) => (token.startsWith('#') ? names[token]! : token);
    for (const clause of (input.ConditionExpression ?? '').split(' AND ').filter(Boolean)) {
      if (!row || !holds(clause, row, name, values)) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    }
    if (!row) throw new Error(`update of missing row ${id}`);
    const match = /^SET (.+?)(?: REMOVE (.+))?$/.exec(input.UpdateExpression!);
    if (!match) throw new Error(`unexpected update ${input.UpdateExpression}`);
    for (const assignment of match[1]!.split(', ')) {
      const [target, value] = assignment.split(' = ');
      if (!value?.startsWith(':')) throw new Error(`unexpected assignment ${assignment}`);
      row[name(target!)] = values[value];
    }
    for (const removed of match[2]?.split(', ') ?? []) delete row[name(removed)];
    return {};
  }
}

function holds(clause: string, row: Row, name: (t: string) => string, values: Record<string, unknown>): boolean {
  const plain = /^(#?\w+) = (:\w+)$/.exec(clause);
  if (plain) return row[name(plain[1]!)] === values[plain[2]!];
  const attempts = /^\(attempts = (:\w+) OR attribute_not_exists\(attempts\)\)$/.exec(clause);
  if (attempts) return row.attempts === undefined || row.attempts === values[attempts[1]!];
  throw new Error(`unexpected condition ${clause}`);
}

