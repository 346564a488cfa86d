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
export { bufferOutput, classifyError, CliError, createClients, createContext, EXIT, type ClientSettings, type Clients, type Context, type Output } from './context.js';
export { loadAppConfig, type AppConfig } from './app-config.js';
export { AmbiguousApp, discover, findConsumer, NotDeployed, type BusInfo, type ConsumerInfo, type Deployment, type FailedMessagesInfo, type OutboxInfo } from './discovery.js';
export { peekDlq, type DlqMessage, type MessageFilter } from './dlq-messages.js';
export {
  dlqDelete,
  dlqExport,
  dlqList,
  dlqRedrive,
  dlqShow,
  MessageNotFound,
  queueDepth,
  renderDlqList,
  renderDlqShow,
  renderRedrive,
  type DeleteResult,
  type DlqListRow,
  type DlqShowResult,
  type ExportResult,
  type QueueDepth,
  type RedriveOptions,
  type RedriveResult,
} from './dlq.js';
export { failedList, failedRetry, renderFailedList, renderFailedRetry, type FailedRetryResult, type FailedRow } from './failed.js';
export { horizonCheck, type Redelivery } from './horizon.js';
export { main } from './main.js';
export { loadPlugins, type CourierPlugin, type TracePlugin, type TraceSubject } from './plugins.js';
export { deleteMessages, moveMessages, type MessageFailure } from './move-messages.js';
export { redriveGuard, type AlarmState, type RedriveGuard } from './redrive-guard.js';
export { outboxRetry, outboxStatus, renderOutboxRetry, renderOutboxStatus, type OutboxRetryResult, type OutboxStatus } from './outbox.js';
export { renderReplay, replay, type ConsumerReplay, type ReplayOptions, type ReplayResult } from './replay.js';
export { resolveScope, stackPrefix, type Scope } from './scope.js';
export { renderTrace, trace, type ConsumerRecord, type TimelineEntry, type TracedDlqMessage, type TraceResult, type TracedEvent } from './trace.js';
