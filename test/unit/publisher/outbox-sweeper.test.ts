import { BatchGetItemCommand, DynamoDBClient, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { newEventId } from '../../../functions/contracts/index';
import { createOutboxTable } from '../../../functions/runtime/outbox/table';
import { sweepOutbox } from '../../../functions/runtime/outbox/sweeper';
import { ddbClient, eventIdOf, fail, item, ok, response, storedEntry, T0, testPublisher } from './helpers';

const eb = mockClient(EventBridgeClient);
const ddb = mockClient(DynamoDBClient);
afterEach(() => {
  eb.reset();
  ddb.reset();
});

const row = (createdAt: number, status = 'PENDING') => {
  const { eventId, entry } = storedEntry(newEventId());
  return { event_id: eventId, source: entry.Source, detail_type: entry.DetailType, detail: entry.Detail, status, created_at: createdAt };
};

function setup(indexed: ReturnType<typeof row>[], current = indexed) {
  ddb.on(QueryCommand).resolves({ Items: indexed.map((r) => item({ event_id: r.event_id })) });
  ddb.on(BatchGetItemCommand).resolves({ Responses: { outbox: current.map(item) } });
  ddb.on(UpdateItemCommand).resolves({});
  const t = testPublisher();
  const table = createOutboxTable({ tableName: 'outbox', client: ddbClient(), clock: t.clock });
  return { ...t, sweep: () => sweepOutbox({ table, publisher: t.publisher, olderThanMs: 60_000 }) };
}

describe('outbox sweeper', () => {
  it('asks the pending-by-age index for rows created at least the threshold ago', async () => {
    const { sweep } = setup([]);
    expect(await sweep()).toEqual({ found: 0, published: 0, failed: 0 });
    const query = ddb.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(query).toMatchObject({ TableName: 'outbox', IndexName: 'pending-by-age', KeyConditionExpression: '#p = :p AND #s <= :bound' });
    expect(query.ExpressionAttributeNames).toMatchObject({ '#p': 'pending', '#s': 'created_at' });
    expect(unmarshall(query.ExpressionAttributeValues!)).toEqual({ ':p': 'PENDING', ':bound': T0 - 60_000 });
  });

  it('republishes only rows still PENDING and old enough, with their stored event_id, and marks them', async () => {
    const stale = row(T0 - 5 * 60_000);
    const publishedMeanwhile = row(T0 - 4 * 60_000);
    const young = row(T0 - 1_000); // the index is eventually consistent; leave young rows to the relay
    const { sweep } = setup([stale, publishedMeanwhile, young], [stale, { ...publishedMeanwhile, status: 'PUBLISHED' }, young]);
    eb.on(PutEventsCommand).resolves(response([ok()]));
    expect(await sweep()).toEqual({ found: 1, published: 1, failed: 0 });
    const sent = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries!);
    expect(sent.map(eventIdOf)).toEqual([stale.event_id]);
    expect(sent[0]!.Detail).toBe(stale.detail);
    expect(ddb.commandCalls(UpdateItemCommand).map((c) => unmarshall(c.args[0].input.Key!).event_id)).toEqual([stale.event_id]);
  });

  it('leaves a row that fails to publish PENDING for the next run', async () => {
    const rows = [row(T0 - 120_000), row(T0 - 90_000)];
    const { sweep } = setup(rows);
    eb.on(PutEventsCommand).resolves(response([fail('MalformedDetail'), ok()]));
    expect(await sweep()).toEqual({ found: 2, published: 1, failed: 1 });
    expect(ddb.commandCalls(UpdateItemCommand).map((c) => unmarshall(c.args[0].input.Key!).event_id)).toEqual([rows[1]!.event_id]);
  });
});
