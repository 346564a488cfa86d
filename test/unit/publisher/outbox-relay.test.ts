import { BatchGetItemCommand, ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/index';
import { createOutboxRelay } from '../../../functions/runtime/outbox/relay';
import { createOutboxTable } from '../../../functions/runtime/outbox/table';
import { ddbClient, eventIdOf, fail, item, ok, response, storedEntry, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBClient);
afterEach(() => {
  eb.reset();
  ddb.reset();
});

function outboxRow(status: 'PENDING' | 'PUBLISHED' = 'PENDING') {
  const { eventId, entry } = storedEntry(newEventId());
  return { event_id: eventId, source: entry.Source, detail_type: entry.DetailType, detail: entry.Detail, status, created_at: T0, ...(status === 'PENDING' ? { pending: 'PENDING' } : {}) };
}
type Row = ReturnType<typeof outboxRow>;
// aws-lambda's stream AttributeValue is structurally looser than the SDK's; same wire shape
type StreamImage = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

let seq = 100;
const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', row: Row): DynamoDBRecord => ({
  eventName,
  dynamodb: { SequenceNumber: String(seq++), Keys: { event_id: { S: row.event_id } }, NewImage: item(row) as StreamImage },
});
const stream = (...Records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records });

/** Consistent reads answer with `current` rows. */
function setup(current: Row[]) {
  ddb.on(BatchGetItemCommand).resolves({ Responses: { outbox: current.map(item) } });
  ddb.on(UpdateItemCommand).resolves({});
  const t = testPublisher();
  const table = createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock });
  return { ...t, relay: createOutboxRelay({ table, publisher: t.publisher }) };
}
const sentIds = () => eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!.map(eventIdOf));
const markedIds = () => ddb.commandCalls(UpdateItemCommand).map((c) => unmarshall(c.args[0].input.Key!).event_id);

describe('outbox relay', () => {
  it('publishes inserted PENDING rows with their stored event_id and marks them PUBLISHED', async () => {
    const rows = [outboxRow(), outboxRow()];
    const { relay, clock } = setup(rows);
    eb.on(PutEventsCommand).resolves(response([ok(), ok()]));
    const result = await relay(stream(record('INSERT', rows[0]!), record('MODIFY', outboxRow('PUBLISHED')), record('INSERT', rows[1]!)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentIds()).toEqual(rows.map((r) => r.event_id));
    expect(eb.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]).toEqual({ Source: 'courier.orders', DetailType: 'order.created.v1', Detail: rows[0]!.detail, EventBusName: 'courier-bus' });
    expect(markedIds()).toEqual(rows.map((r) => r.event_id));
    const update = ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('#status = :pending');
    expect(update.UpdateExpression).toBe('SET #status = :published, published_at = :now, expires_at = :expires REMOVE #pending');
    expect(unmarshall(update.ExpressionAttributeValues!)).toMatchObject({ ':published': 'PUBLISHED', ':now': clock.now() });
  });

  it('lets TTL remove a published row 7 days later: expires_at in epoch seconds, as DynamoDB TTL reads it', async () => {
    const rows = [outboxRow()];
    const { relay, clock } = setup(rows);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    await relay(stream(record('INSERT', rows[0]!)));
    const values = unmarshall(ddb.commandCalls(UpdateItemCommand)[0]!.args[0].input.ExpressionAttributeValues!);
    expect(values[':expires']).toBe(Math.floor(clock.now() / 1000) + 7 * 24 * 3600);
  });

  it('reports the first failed record by sequence number and marks only what went out', async () => {
    const rows = [outboxRow(), outboxRow(), outboxRow()];
    const records = rows.map((r) => record('INSERT', r));
    const { relay } = setup(rows);
    eb.on(PutEventsCommand).resolves(response([ok(), fail('MalformedDetail'), ok()]));
    const result = await relay(stream(...records));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
    expect(markedIds()).toEqual([rows[0]!.event_id, rows[2]!.event_id]);
  });

  it('reports a row whose publish went out but could not be marked', async () => {
    const rows = [outboxRow(), outboxRow()];
    const records = rows.map((r) => record('INSERT', r));
    const { relay } = setup(rows);
    ddb.on(UpdateItemCommand).rejectsOnce(new Error('throttled')).resolves({});
    eb.on(PutEventsCommand).resolves(response([ok(), ok()]));
    expect(await relay(stream(...records))).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }] });
  });

  it('is idempotent on redelivery: rows already PUBLISHED are skipped, not sent again', async () => {
    const done = outboxRow();
    const fresh = outboxRow();
    const { relay } = setup([{ ...done, status: 'PUBLISHED' }, fresh]);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    const result = await relay(stream(record('INSERT', done), record('INSERT', fresh)));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentIds()).toEqual([fresh.event_id]);
    expect(markedIds()).toEqual([fresh.event_id]);
    const read = ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input.RequestItems!.outbox!;
    expect(read.ConsistentRead).toBe(true);
  });

  it('treats a row marked concurrently (by the sweeper) as done', async () => {
    const row = outboxRow();
    const { relay } = setup([row]);
    ddb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    eb.on(PutEventsCommand).resolves(response([ok()]));
    expect(await relay(stream(record('INSERT', row)))).toEqual({ batchItemFailures: [] });
  });

  it('fails from the first inserted record when the table cannot be read', async () => {
    const rows = [outboxRow(), outboxRow()];
    ddb.on(BatchGetItemCommand).rejects(new Error('unavailable'));
    const t = testPublisher();
    const relay = createOutboxRelay({ table: createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock }), publisher: t.publisher });
    const records = [record('MODIFY', outboxRow('PUBLISHED')), ...rows.map((r) => record('INSERT', r))];
    expect(await relay(stream(...records))).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('ignores batches without inserts', async () => {
    const { relay } = setup([]);
    expect(await relay(stream(record('REMOVE', outboxRow('PUBLISHED'))))).toEqual({ batchItemFailures: [] });
    expect(ddb.calls()).toHaveLength(0);
  });
});
