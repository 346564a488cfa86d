import {
  BatchExecuteStatementCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type BatchExecuteStatementCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../functions/runtime/consume/idempotency';
import { logicalId, sampleApp, template, type SampleApp } from './helpers';

/**
 * Issue 12 item 10: consumers could Delete/BatchWrite/PartiQL any item of the idempotency table, every
 * other consumer's markers included. Each consumer's grant is now scoped to its own key prefix with
 * `dynamodb:LeadingKeys` (`<consumer>#*`). This test replays the requests the runtime really sends — a
 * claim (PartiQL INSERT), a takeover (PutItem), a completion and a release (PartiQL UPDATE / DELETE), the
 * exactly-once completion (TransactWriteItems → UpdateItem) and a marker read (GetItem) — and evaluates
 * them against the synthesized policy: all allowed on the consumer's own keys, none on another's.
 *
 * Every DynamoDB item action the runtime uses supports `dynamodb:LeadingKeys`, PartiQL ones included
 * (Service Authorization Reference, "Actions defined by Amazon DynamoDB": PartiQLInsert, PartiQLUpdate,
 * PartiQLDelete, PartiQLSelect, GetItem, PutItem, UpdateItem, DeleteItem list it).
 */
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, string | string[]>> };
type Request = { action: string; table: string; key: string };

const ddb = mockClient(DynamoDBClient);
let s: SampleApp;
let statements: Statement[];
let tableRef: string;

beforeAll(() => {
  s = sampleApp();
  const resources = template(s.service).toJSON().Resources as Record<string, { Type: string; Properties: any }>;
  const role = logicalId(s.reserve.fn.role!);
  statements = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  tableRef = logicalId(s.service.idempotencyTable);
});

/** The IAM action and leading key of each PartiQL statement: the `?` bound to `id` carries the key. */
function partiql(input: BatchExecuteStatementCommandInput): Request[] {
  return (input.Statements ?? []).map((st) => {
    const text = st.Statement!;
    const verb = text.split(' ')[0]!.toUpperCase();
    const action = { INSERT: 'dynamodb:PartiQLInsert', UPDATE: 'dynamodb:PartiQLUpdate', DELETE: 'dynamodb:PartiQLDelete', SELECT: 'dynamodb:PartiQLSelect' }[verb]!;
    const at = text.search(/'id': \?|"id" = \?/);
    const position = text.slice(0, at).split('?').length - 1;
    const table = /(?:INTO|UPDATE|FROM) "([^"]+)"/.exec(text)![1]!;
    return { action, table, key: st.Parameters![position]!.S! };
  });
}

/** Every request the runtime's IdempotencyStore sent, as (IAM action, table, leading key). */
function requestsSent(): Request[] {
  return ddb.calls().flatMap((call): Request[] => {
    const command = call.args[0] as { input: any };
    if (command instanceof BatchExecuteStatementCommand) return partiql(command.input);
    if (command instanceof PutItemCommand) return [{ action: 'dynamodb:PutItem', table: command.input.TableName!, key: command.input.Item!.id!.S! }];
    if (command instanceof GetItemCommand) return [{ action: 'dynamodb:GetItem', table: command.input.TableName!, key: command.input.Key!.id!.S! }];
    if (command instanceof TransactWriteItemsCommand) {
      return command.input.TransactItems!.map((item) => ({ action: 'dynamodb:UpdateItem', table: item.Update!.TableName!, key: item.Update!.Key!.id!.S! }));
    }
    throw new Error(`unexpected request ${command.constructor.name}`);
  });
}

/** Allowed by the consumer's policy? Understands exactly StringLike/StringEquals with ForAllValues and Null on dynamodb:LeadingKeys. */
function allowed(request: Request): boolean {
  return statements.some((st) => {
    if (st.Effect !== 'Allow' || ![st.Action].flat().includes(request.action)) return false;
    if (!JSON.stringify(st.Resource).includes(`"${tableRef}"`) || JSON.stringify(st.Resource).includes('/index/')) return false;
    return Object.entries(st.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, wanted]) => {
        if (key !== 'dynamodb:LeadingKeys') throw new Error(`the evaluator does not know ${key}`);
        const patterns = [wanted].flat();
        if (operator === 'Null') return patterns[0] === 'false';
        if (operator === 'ForAllValues:StringLike') return patterns.some((p) => new RegExp(`^${p.split('*').map(escape).join('.*')}$`).test(request.key));
        if (operator === 'ForAllValues:StringEquals') return patterns.includes(request.key);
        throw new Error(`the evaluator does not know ${operator}`);
      }),
    );
  });
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function runtimeRequests(consumer: string): Promise<Request[]> {
  ddb.reset();
  ddb.on(BatchExecuteStatementCommand).callsFake((input: BatchExecuteStatementCommandInput) => ({
    // the second claim finds an expired item, which the runtime takes over with a PutItem
    Responses: input.Statements!.map((st, i) => (st.Statement!.startsWith('INSERT') && i === 1 ? { Error: { Code: 'DuplicateItem', Item: { id: st.Parameters![0]!, expires_at: { N: '1' } } } } : {})),
  }));
  ddb.on(PutItemCommand).resolves({});
  ddb.on(GetItemCommand).resolves({});
  ddb.on(TransactWriteItemsCommand).resolves({});
  const client = new DynamoDBClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const store = new IdempotencyStore('idem', 3600, client);
  const [a, b] = [`${consumer}#evt-1`, `${consumer}#evt-2`];
  const claims = await store.claim([a, b], Date.now() + 10_000);
  const token = (id: string) => (claims.get(id) as { token: string }).token;
  await store.finish([{ id: a, token: token(a), action: 'complete' }, { id: b, token: token(b), action: 'release' }]);
  await client.send(new TransactWriteItemsCommand({ TransactItems: [store.completionWrite(a, token(a))] }));
  await client.send(new GetItemCommand({ TableName: 'idem', Key: { id: { S: a } }, ConsistentRead: true }));
  return requestsSent();
}

describe("a consumer's access to the idempotency table", () => {
  it("covers every request the runtime makes on the consumer's own markers", async () => {
    const requests = await runtimeRequests('inventory-reserve');
    expect(new Set(requests.map((r) => r.action))).toEqual(
      new Set(['dynamodb:PartiQLInsert', 'dynamodb:PutItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete', 'dynamodb:UpdateItem', 'dynamodb:GetItem']),
    );
    for (const r of requests) expect(allowed(r), `${r.action} ${r.key}`).toBe(true);
  });

  it("allows none of them on another consumer's markers", async () => {
    for (const r of await runtimeRequests('inventory-release')) expect(allowed(r), `${r.action} ${r.key}`).toBe(false);
  });

  it('is conditioned on dynamodb:LeadingKeys in every statement on the table, and grants no Scan, Query, BatchWriteItem or DeleteItem', () => {
    const onTable = statements.filter((st) => JSON.stringify(st.Resource).includes(`"${tableRef}"`));
    expect(onTable.length).toBeGreaterThan(0);
    for (const st of onTable) {
      expect(st.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['inventory-reserve#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } });
      for (const action of ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem']) expect([st.Action].flat()).not.toContain(action);
    }
  });
});
