import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { classifyError, CliError, EXIT, type Context } from '../context.js';
import { dlqDelete, dlqExport, dlqList, dlqRedrive, dlqShow, MessageNotFound, RedriveRefused } from '../dlq.js';
import { failedList, failedRetry } from '../failed.js';
import { outboxRetry, outboxStatus } from '../outbox.js';
import { renderTrace, trace } from '../trace.js';
import { consumerHealth } from './health.js';
import { Jobs } from './jobs.js';
import { topologyMermaid, topologySvg } from './topology-diagram.js';
import { buildTopology, type AsyncApiDocument } from './topology.js';

/** What the routes work with: the CLI's context (the same discovery, clients and commands) and the console's own state. */
export interface ConsoleServices {
  ctx: Context;
  logs: CloudWatchLogsClient;
  asyncapi: AsyncApiDocument;
  jobs: Jobs;
}

/** A raw answer (SVG, text, a download) instead of JSON. */
export interface RawAnswer {
  raw: string;
  type: string;
  headers?: Record<string, string>;
}

/** Client input the console cannot use: answered 400 naming the field. */
export class BadRequest extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

type Body = Record<string, unknown>;
type Handler = (s: ConsoleServices, params: Record<string, string>, query: URLSearchParams, body: Body) => Promise<unknown>;

interface Route {
  method: 'GET' | 'POST';
  pattern: string;
  handler: Handler;
}

/** Reads the body's fields: each of the given type, and no others. */
function fields<T extends Record<string, 'string' | 'boolean'>>(body: Body, spec: T, required: (keyof T)[] = []): { [K in keyof T]?: T[K] extends 'string' ? string : boolean } {
  for (const name of Object.keys(body)) if (!(name in spec)) throw new BadRequest(name, 'unknown field');
  for (const name of required) if (body[name as string] === undefined) throw new BadRequest(name as string, 'required');
  for (const [name, type] of Object.entries(spec)) {
    const value = body[name];
    if (value !== undefined && typeof value !== type) throw new BadRequest(name, `must be a ${type}`);
    if (type === 'string' && typeof value === 'string' && value.trim() === '') throw new BadRequest(name, 'must not be empty');
  }
  return body as { [K in keyof T]?: T[K] extends 'string' ? string : boolean };
}

/** `kind=target-dlq` selects a consumer's target DLQ; anything but dlq / target-dlq is refused. */
function isTarget(kind: unknown): boolean {
  if (kind === undefined || kind === null || kind === 'dlq' || kind === 'relay-dlq') return false;
  if (kind === 'target-dlq') return true;
  throw new BadRequest('kind', 'must be dlq, target-dlq or relay-dlq');
}

function minutes(query: URLSearchParams): number {
  const raw = query.get('minutes') ?? '15';
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 24 * 60) throw new BadRequest('minutes', 'must be an integer from 1 to 1440');
  return n;
}

const topology = async (s: ConsoleServices) => buildTopology(s.asyncapi, await s.ctx.deployment());

export const ROUTES: Route[] = [
  { method: 'GET', pattern: '/api/topology', handler: topology },
  { method: 'GET', pattern: '/api/topology.svg', handler: async (s) => ({ raw: topologySvg(await topology(s)), type: 'image/svg+xml' }) },
  { method: 'GET', pattern: '/api/topology.mmd', handler: async (s) => ({ raw: topologyMermaid(await topology(s)), type: 'text/plain; charset=utf-8' }) },
  { method: 'GET', pattern: '/api/health', handler: (s, _p, q) => consumerHealth(s.ctx, s.logs, minutes(q)) },
  { method: 'GET', pattern: '/api/dlqs', handler: (s) => dlqList(s.ctx) },
  {
    method: 'GET',
    pattern: '/api/dlqs/:owner',
    handler: (s, p, q) => dlqShow(s.ctx, p.owner!, { target: isTarget(q.get('kind') ?? undefined), limit: 500 }),
  },
  {
    method: 'GET',
    pattern: '/api/dlqs/:owner/export',
    handler: async (s, p, q) => {
      const result = await dlqExport(s.ctx, p.owner!, {
        target: isTarget(q.get('kind') ?? undefined),
        ...(q.get('messageId') ? { messageId: q.get('messageId')! } : {}),
        ...(q.get('errorClass') ? { errorClass: q.get('errorClass')! } : {}),
      });
      const name = `${result.queue.name}-${q.get('messageId') ?? q.get('errorClass') ?? 'all'}.json`.replace(/[^\w.-]/g, '_');
      return { raw: JSON.stringify(result, null, 2), type: 'application/json', headers: { 'content-disposition': `attachment; filename="${name}"` } };
    },
  },
  {
    method: 'POST',
    pattern: '/api/dlqs/:owner/redrive',
    handler: async (s, p, _q, body) => {
      const f = fields(body, { kind: 'string', errorClass: 'string', messageId: 'string', force: 'boolean', dryRun: 'boolean' });
      const options = {
        target: isTarget(f.kind),
        ...(f.errorClass !== undefined ? { errorClass: f.errorClass } : {}),
        ...(f.messageId !== undefined ? { messageId: f.messageId } : {}),
        force: f.force === true,
      };
      if (f.dryRun) return dlqRedrive(s.ctx, p.owner!, { ...options, dryRun: true });
      return s.jobs.start(`redrive ${p.owner}`, (progress) => dlqRedrive(s.ctx, p.owner!, { ...options, onProgress: progress }));
    },
  },
  {
    method: 'POST',
    pattern: '/api/dlqs/:owner/delete',
    handler: (s, p, _q, body) => {
      const f = fields(body, { kind: 'string', messageId: 'string' }, ['messageId']);
      return dlqDelete(s.ctx, p.owner!, { messageId: f.messageId!, target: isTarget(f.kind) });
    },
  },
  {
    method: 'GET',
    pattern: '/api/jobs/:id',
    handler: async (s, p) => {
      const job = s.jobs.get(p.id!);
      if (!job) throw new NotFound(`no job ${p.id}`);
      return job;
    },
  },
  {
    method: 'GET',
    pattern: '/api/trace/:key',
    handler: async (s, p) => {
      const result = await trace(s.ctx, p.key!);
      return { result, text: renderTrace(result) };
    },
  },
  { method: 'GET', pattern: '/api/outbox', handler: (s) => outboxStatus(s.ctx) },
  {
    method: 'POST',
    pattern: '/api/outbox/retry',
    handler: (s, _p, _q, body) => outboxRetry(s.ctx, { service: fields(body, { service: 'string' }, ['service']).service! }),
  },
  { method: 'GET', pattern: '/api/failed-messages', handler: (s) => failedList(s.ctx) },
  {
    method: 'POST',
    pattern: '/api/failed-messages/retry',
    handler: (s, _p, _q, body) => {
      const f = fields(body, { service: 'string', eventId: 'string' }, ['service']);
      return failedRetry(s.ctx, { service: f.service!, ...(f.eventId !== undefined ? { eventId: f.eventId } : {}) });
    },
  },
];

/** Nothing at this path, or no such job. */
export class NotFound extends Error {}

/** The route for a method and path, with its `:name` parameters decoded; undefined when none matches. */
export function matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  const parts = path.split('/');
  for (const route of ROUTES) {
    const pattern = route.pattern.split('/');
    if (route.method !== method || pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const matched = pattern.every((seg, i) => {
      if (seg.startsWith(':')) {
        const value = decodeURIComponent(parts[i]!);
        params[seg.slice(1)] = value;
        return value.length > 0;
      }
      return seg === parts[i];
    });
    if (matched) return { route, params };
  }
  return undefined;
}

/**
 * HTTP status for an error: client input 400, unknown consumer/service/message/job 404, a refused
 * action (the redrive guard) 409, AWS unreachable or denied 502; the CLI's message and hint either way.
 */
export function errorAnswer(error: unknown): { status: number; message: string; hint?: string } {
  if (error instanceof BadRequest) return { status: 400, message: error.message };
  if (error instanceof NotFound) return { status: 404, message: error.message };
  const { exitCode, message, hint } = classifyError(error);
  const withHint = hint ? { hint } : {};
  if (error instanceof MessageNotFound || exitCode === EXIT.unknownConsumer) return { status: 404, message, ...withHint };
  if (error instanceof RedriveRefused || error instanceof CliError) return { status: 409, message, ...withHint };
  return { status: 502, message, ...withHint };
}
