import { describe, expect, it } from 'vitest';
import { describeDlqMessage, groupByErrorClass } from '../../../bin/cli/dlq-messages';

const s = (v: string) => ({ DataType: 'String', StringValue: v });

describe('describeDlqMessage', () => {
  it('reads the runtime verdict from courier.* attributes', () => {
    const m = describeDlqMessage({
      MessageId: 'm',
      Body: 'not json',
      Attributes: { ApproximateReceiveCount: '1' },
      MessageAttributes: { 'courier.error_class': s('MalformedJson'), 'courier.error_message': s('Unexpected token'), 'courier.event_id': s('e1'), 'courier.consumer': s('c') },
    });
    expect(m).toMatchObject({ errorClass: 'MalformedJson', errorMessage: 'Unexpected token', eventId: 'e1', consumer: 'c', receiveCount: 1 });
    expect(m.businessKey).toBeUndefined();
  });

  it('calls a message without a verdict RedriveExhausted and still finds its event id and key', () => {
    const m = describeDlqMessage({ MessageId: 'm', Body: JSON.stringify({ 'detail-type': 'user.login_succeeded.v1', detail: { event_id: 'e2', user_id: 'u1' } }), Attributes: { ApproximateReceiveCount: '5', SentTimestamp: '0' } });
    expect(m).toMatchObject({ errorClass: 'RedriveExhausted', detailType: 'user.login_succeeded.v1', eventId: 'e2', businessKey: 'u1', sentAt: '1970-01-01T00:00:00.000Z' });
    expect(m.errorMessage).toContain('failed or unacknowledged 5 times');
  });

  it('reads EventBridge target-DLQ attributes', () => {
    const m = describeDlqMessage({ MessageId: 'm', Body: JSON.stringify({ detail: { event_id: 'e3', order_id: 'o' } }), MessageAttributes: { ERROR_CODE: s('SQSPermissionError'), ERROR_MESSAGE: s('denied by queue policy') } });
    expect(m.errorClass).toBe('TargetDelivery:SQSPermissionError');
    expect(m.errorMessage).toBe('EventBridge could not deliver to the queue: denied by queue policy');
  });

  it('explains outbox relay on-failure records', () => {
    const m = describeDlqMessage({
      MessageId: 'm',
      Body: JSON.stringify({
        requestContext: { condition: 'MaxRecordAgeExceeded' },
        responseContext: { functionError: 'Unhandled' },
        timestamp: '2026-01-01T00:00:00Z',
        DDBStreamBatchInfo: { startSequenceNumber: '1', endSequenceNumber: '3', batchSize: 3 },
      }),
    });
    expect(m.errorClass).toBe('StreamBatch:MaxRecordAgeExceeded');
    expect(m.errorMessage).toContain('relay could not process 3 stream record(s) 1…3 (MaxRecordAgeExceeded, Unhandled)');
    expect(m.firstFailedAt).toBe('2026-01-01T00:00:00Z');
  });

  it('groups largest first', () => {
    const mk = (c: string) => describeDlqMessage({ MessageId: c + Math.random(), Body: '', MessageAttributes: { 'courier.error_class': s(c) } });
    expect(groupByErrorClass([mk('A'), mk('B'), mk('B')]).map((g) => [g.errorClass, g.count])).toEqual([
      ['B', 2],
      ['A', 1],
    ]);
  });
});
