import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { peekDlq, type DlqMessage } from '../../bin/cli/dlq-messages';
import { ON_BEHALF_OF_HEADER } from '../../functions/contracts/api-auth';
import { newEventId } from '../../functions/contracts/event-id';
import { envelope } from '../../scripts/local/actions';
import { forEachLogLine } from '../../scripts/local/outcomes';
import { scanItems } from '../../bin/cli/scan';
import { http, waitFor, type LocalSystem } from '../../scripts/local/system';
import { httpCases, queueCases, QUEUE_TARGET, type CorpusCase } from '../corpus/index';
import { validDetails } from '../fixtures/details';
import { freshSystem } from './system';

/**
 * The bad-input corpus (test/corpus) against the deployed system: every HTTP case through the real
 * orders API, every queue case straight onto the real inventory-orders queue in batches mixed with valid
 * messages. Each case must end as a 4xx with a message or as one DLQ message with its error class; no
 * batch may fail as a whole (a whole-batch failure redelivers every record: the bad ones would be
 * quarantined twice, the valid ones processed on a second delivery).
 */
const SQS_BATCH_BYTES = 256 * 1024;
const VALID_PER_BATCH = 2;

/**
 * A valid message for inventory-orders with no downstream traffic: cancelling an order nobody placed
 * leaves a RELEASED tombstone (one transaction with the idempotency marker) and announces nothing.
 */
function validMessage(i: number): { body: string; eventId: string } {
  const detail = { ...validDetails()['order.cancelled.v1']!, event_id: newEventId(), order_id: `ord-corpus-valid-${i}` };
  return { body: envelope('order.cancelled.v1', 'courier.orders', detail), eventId: detail.event_id as string };
}

/** Queue cases packed into SendMessageBatch calls (≤ 10 entries, ≤ 256 KiB), each with valid messages among them. */
function batches(): { bad: (CorpusCase & { body: string })[]; valid: ReturnType<typeof validMessage>[] }[] {
  const out: ReturnType<typeof batches> = [];
  let current: (CorpusCase & { body: string })[] = [];
  let bytes = 0;
  const flush = () => {
    if (current.length === 0) return;
    out.push({ bad: current, valid: Array.from({ length: VALID_PER_BATCH }, (_, k) => validMessage(out.length * VALID_PER_BATCH + k)) });
    current = [];
    bytes = 0;
  };
  for (const c of queueCases) {
    const size = Buffer.byteLength(c.body);
    if (current.length === 10 - VALID_PER_BATCH || bytes + size > SQS_BATCH_BYTES - 8 * 1024) flush();
    current.push(c);
    bytes += size;
  }
  flush();
  return out;
}

describe('bad-input corpus on the deployed system', () => {
  let sys: LocalSystem;

  beforeAll(async () => {
    sys = await freshSystem({ 'SKU-TEA': 100 });
  });

  describe('POST /orders', () => {
    it.each(httpCases.map((c) => [c.name, c.expect.http, c] as const))('%s → %s with a message', async (_, status, c) => {
      // Signed as a client acting for user-42, as a real one would: the body is what is wrong.
      const res = await http(`${sys.api.orders}/orders`, { body: c.body, headers: { [ON_BEHALF_OF_HEADER]: 'user-42' }, as: sys.callers.ordersAgent });
      expect(res.status).toBe(status);
      expect(typeof res.body?.message).toBe('string');
      expect(res.body.message.length).toBeGreaterThan(0);
    });

    it('wrote nothing: no order, no outbox row', async () => {
      expect(await scanItems(sys.clients.dynamodb, sys.tables.orders)).toEqual([]);
      const outbox = sys.deployment.outboxes.find((o) => o.service === 'orders')!;
      expect(await scanItems(sys.clients.dynamodb, outbox.tableName)).toEqual([]);
    });
  });

  describe(`the ${QUEUE_TARGET.consumer} queue`, () => {
    const sent = new Map<string, { kind: 'bad'; c: CorpusCase } | { kind: 'valid'; eventId: string }>();
    let quarantined: DlqMessage[] = [];
    const outcomeLines: { message_id: string; outcome: string }[] = [];
    const consumer = () => sys.consumer(QUEUE_TARGET.consumer);

    beforeAll(async () => {
      const since = Date.now();
      for (const batch of batches()) {
        const entries = [...batch.bad.map((c) => ({ body: c.body, ref: { kind: 'bad' as const, c } })), ...batch.valid.map((v) => ({ body: v.body, ref: { kind: 'valid' as const, eventId: v.eventId } }))];
        // valid messages in the middle of the batch, not only at its edges
        entries.splice(1, 0, entries.pop()!);
        const out = await sys.clients.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: consumer().queueUrl, Entries: entries.map((e, i) => ({ Id: String(i), MessageBody: e.body })) }),
        );
        expect(out.Failed ?? []).toEqual([]);
        for (const ok of out.Successful ?? []) sent.set(ok.MessageId!, entries[Number(ok.Id)]!.ref);
      }
      const badCount = [...sent.values()].filter((s) => s.kind === 'bad').length;
      quarantined = await waitFor('every bad message in the DLQ', async () => {
        const messages = await peekDlq(sys.clients.sqs, consumer().dlqUrl, badCount + 10);
        return messages.length >= badCount ? messages : undefined;
      }, 90_000, 2_000);
      // every record's outcome line (the valid ones included) has been written
      await waitFor('an outcome line for every message', async () => {
        outcomeLines.length = 0;
        await forEachLogLine(sys.clients.logs, consumer().logGroupName, since - 1_000, '"outcome"', (line) => {
          const entry = JSON.parse(line) as { message_id?: string; outcome?: string };
          if (entry.message_id && entry.outcome && sent.has(entry.message_id)) outcomeLines.push({ message_id: entry.message_id, outcome: entry.outcome });
        });
        return new Set(outcomeLines.map((l) => l.message_id)).size >= sent.size ? true : undefined;
      }, 60_000, 2_000);
    });

    it.each(queueCases.map((c) => [c.name, c.expect.errorClass, c] as const))('%s → one DLQ message with courier.error_class %s', (_, errorClass, c) => {
      const copies = quarantined.filter((m) => m.body === c.body);
      expect(copies).toHaveLength(1);
      expect(copies[0]).toMatchObject({ errorClass, consumer: QUEUE_TARGET.consumer });
      expect(copies[0]!.errorMessage.length).toBeGreaterThan(0);
    });

    it('no batch failed as a whole: every message has exactly one outcome, from its first delivery', () => {
      const perMessage = new Map<string, string[]>();
      for (const l of outcomeLines) perMessage.set(l.message_id, [...(perMessage.get(l.message_id) ?? []), l.outcome]);
      for (const [messageId, ref] of sent) {
        expect(perMessage.get(messageId), `${messageId} (${ref.kind === 'bad' ? ref.c.name : 'valid'})`).toEqual([ref.kind === 'bad' ? 'quarantined' : 'processed']);
      }
      expect(quarantined).toHaveLength(queueCases.length);
    });

    it('the valid messages beside them were processed on that delivery and completed exactly once', async () => {
      const valid = [...sent.values()].filter((s): s is { kind: 'valid'; eventId: string } => s.kind === 'valid');
      const markers = await scanItems<{ id: string; status: string }>(sys.clients.dynamodb, consumer().idempotencyTableName);
      const status = new Map(markers.map((m) => [m.id, m.status]));
      for (const v of valid) expect(status.get(`${QUEUE_TARGET.consumer}#${v.eventId}`)).toBe('COMPLETED');
    });
  });
});
