import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { dynamoClient, eventBridgeClient, useConsumerMiddleware, type ConsumerMiddleware } from '../runtime/index.js';
import { activeFaults, InjectedThrottle, InjectedTransientFault } from './faults.js';

/**
 * Consumer middleware for the record faults: `transient` throws InjectedTransientFault instead of
 * running the handler; `timeout` ignores the signal and never settles, so the record's deadline cuts it
 * off; `crash` exits the process once a record has settled (the whole batch is redelivered).
 *
 * @example
 * export const handler = consumer({ events: [OrderCreatedV1], middleware: [faultMiddleware()], handle });
 */
export function faultMiddleware(): ConsumerMiddleware {
  return {
    name: 'courier-faults',
    // An invalid COURIER_FAULTS on the local engine stops the invocation before any record runs.
    beforeBatch: (_records, consumer) => void activeFaults({ consumer }),
    handler: (next, consumer) => async (event, context) => {
      const faults = activeFaults({ consumer });
      if (faults?.hit('transient')) {
        faults.record('transient', {}, context.log);
        throw new InjectedTransientFault('injected transient fault (COURIER_FAULTS)');
      }
      if (faults?.hit('timeout')) {
        faults.record('timeout', {}, context.log);
        return new Promise(() => {});
      }
      return next(event, context);
    },
    afterRecord: (record, _outcome, consumer) => {
      const faults = activeFaults({ consumer });
      if (!faults?.hit('crash')) return;
      faults.record('crash', { message_id: record.messageId });
      process.exit(1);
    },
  };
}

type PutEventsOutput = { Entries?: (PutEventsResultEntry | undefined)[]; FailedEntryCount?: number };

/**
 * AWS SDK middleware (initialize step) for `putEventsThrottle`: chosen entries are answered
 * ThrottlingException without being sent; the rest go out in one call, results merged in order.
 */
export function putEventsFaults(client: EventBridgeClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const faults = context.commandName === 'PutEventsCommand' ? activeFaults({ service: process.env.SERVICE_NAME ?? 'unknown' }) : undefined;
      if (!faults) return next(args);
      const input = args.input as { Entries: PutEventsRequestEntry[] };
      const throttled = input.Entries.map(() => faults.hit('putEventsThrottle'));
      const count = throttled.filter(Boolean).length;
      if (count === 0) return next(args);
      faults.record('putEventsThrottle', { detail_types: input.Entries.filter((_, i) => throttled[i]).map((e) => e.DetailType) }, undefined, count);
      const kept = input.Entries.filter((_, i) => !throttled[i]);
      const sent = kept.length > 0 ? await next({ ...args, input: { ...input, Entries: kept } }) : { output: { $metadata: {} }, response: {} };
      const output = sent.output as PutEventsOutput & { $metadata: unknown };
      let k = 0;
      const Entries = input.Entries.map((_, i) =>
        throttled[i] ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'injected fault (COURIER_FAULTS): entry throttled, not sent' } : output.Entries?.[k++],
      );
      return { ...sent, output: { ...output, Entries, FailedEntryCount: (output.FailedEntryCount ?? 0) + count } } as typeof sent;
    },
    { step: 'initialize', name: 'courierPutEventsFaults', override: true },
  );
}

/**
 * AWS SDK middleware (initialize step) for `idempotencyThrottle`: a request to the idempotency table
 * (the claims and completions, the takeover PutItem, and in optimistic mode the marker read and the
 * lone marker PutItem) fails with a throttling error before it is sent.
 */
export function idempotencyFaults(client: DynamoDBClient, table = process.env.IDEMPOTENCY_TABLE): void {
  if (!table) return;
  const quoted = `"${table.replaceAll('"', '""')}"`;
  const onTable = (input: { TableName?: string; Statements?: { Statement?: string }[]; RequestItems?: Record<string, unknown> }) =>
    input.TableName === table || (input.Statements ?? []).some((s) => s.Statement?.includes(quoted)) || (input.RequestItems !== undefined && table in input.RequestItems);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'request';
      const idempotencyRequest = ['BatchExecuteStatementCommand', 'PutItemCommand', 'BatchGetItemCommand'].includes(command) && onTable(args.input as never);
      const faults = idempotencyRequest ? activeFaults({ consumer: process.env.CONSUMER_NAME ?? 'unknown' }) : undefined;
      if (faults?.hit('idempotencyThrottle')) {
        faults.record('idempotencyThrottle', { command });
        throw new InjectedThrottle(`injected fault (COURIER_FAULTS): ${command} on the idempotency table throttled, not sent`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'courierIdempotencyFaults', override: true },
  );
}

/**
 * Wires every fault into this process: the consumer middleware for every consumer, and the SDK
 * middleware on the runtime's shared clients. For a deployment that injects it (esbuild `inject`), never
 * for handler code; inert unless COURIER_FAULTS is set against a loopback endpoint.
 *
 * @example
 * // scripts/chaos/install-faults.ts, injected into the local chaos deployment's bundles
 * import { installFaults } from 'courier/testing';
 * installFaults();
 */
export function installFaults(clients: { dynamodb?: DynamoDBClient; eventBridge?: EventBridgeClient } = {}): void {
  useConsumerMiddleware(faultMiddleware());
  putEventsFaults(clients.eventBridge ?? eventBridgeClient());
  idempotencyFaults(clients.dynamodb ?? dynamoClient());
}
