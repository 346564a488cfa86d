/**
 * The ops CLI as a library: every command is a function taking a Context (clients, output sink, clock)
 * and returning structured data; `render*` turn results into the text the CLI prints. The e2e and other
 * tools call these in-process:
 *
 *   const ctx = createContext();                 // SDK clients from the environment, stdout/stderr
 *   const rows = await dlqList(ctx);
 *   const shown = await dlqShow(ctx, 'inventory-orders', { limit: 50 });
 *   const t = await trace(ctx, orderId);          // t.diagnosis, t.events[].consumers[].record, t.dlq
 *   const code = await main(['dlq', 'list', '--json'], createContext({ out: bufferOutput() }));
 */
export { bufferOutput, classifyError, CliError, createClients, createContext, EXIT, UsageError, type Clients, type Context, type Output } from './context.js';
export { discover, findConsumer, NotDeployed, type ConsumerInfo, type Deployment } from './discovery.js';
export { describeDlqMessage, groupByErrorClass, peekDlq, type DlqMessage } from './dlq-messages.js';
export { dlqList, dlqRedrive, dlqShow, queueDepth, renderDlqList, renderDlqShow, renderRedrive, type DlqListRow, type DlqShowResult, type RedriveOptions, type RedriveResult } from './dlq.js';
export { failedList, failedRetry, renderFailedList, renderFailedRetry, type FailedRetryResult, type FailedRow } from './failed.js';
export { horizonCheck, LEGACY_HORIZON_SECONDS, type Redelivery } from './horizon.js';
export { main, runProcess } from './main.js';
export { moveMessages } from './move-messages.js';
export { outboxRetry, outboxStatus, renderOutboxRetry, renderOutboxStatus, type OutboxRetryResult, type OutboxStatus } from './outbox.js';
export { renderReplay, replay, type ReplayOptions, type ReplayResult } from './replay.js';
export { requireConsumer, resolveDlq, UnknownConsumer } from './resolve.js';
export { renderTrace, trace, type TraceResult, type TracedEvent } from './trace.js';
