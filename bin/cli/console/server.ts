import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyError, type Context } from '../context.js';
import { Jobs } from './jobs.js';
import { BadRequest, errorAnswer, matchRoute, type ConsoleServices, type RawAnswer } from './routes.js';
import { authorize, createToken, LOOPBACK, SECURITY_HEADERS } from './security.js';
import type { AsyncApiDocument } from './topology.js';

export interface ConsoleOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** The AsyncAPI document the topology is drawn from. */
  asyncapi: AsyncApiDocument;
  /** CloudWatch Logs client for outcome counts where the engine keeps no metrics. @default a client from the environment */
  logs?: CloudWatchLogsClient;
  /** The per-run token; tests may fix it. @default a fresh random token */
  token?: string;
}

export interface RunningConsole {
  /** The page's address, token included: what the operator opens. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The page and its assets, served from files next to this module (no build step). */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};
const PAGE_DIR = new URL('./page/', import.meta.url);

/** Largest JSON body accepted (the page sends a few fields). */
const MAX_BODY = 16 * 1024;

/**
 * Serves the ops console on 127.0.0.1 only: the page, and a JSON API over the CLI's own command
 * functions (dlqList/dlqShow/dlqRedrive, trace, outboxStatus/outboxRetry, failedList/failedRetry…).
 * Every request needs the per-run token; state-changing ones pass the CSRF check too.
 *
 * @example
 * const running = await startConsole(createContext(), { asyncapi: JSON.parse(readFileSync('contracts/asyncapi.json', 'utf8')) });
 * console.log(running.url);
 */
export async function startConsole(ctx: Context, options: ConsoleOptions): Promise<RunningConsole> {
  const token = options.token ?? createToken();
  const services: ConsoleServices = {
    ctx,
    logs: options.logs ?? new CloudWatchLogsClient({ maxAttempts: 3 }),
    asyncapi: options.asyncapi,
    jobs: new Jobs((error) => {
      const { message, hint } = errorAnswer(error);
      return hint ? { message, hint } : { message };
    }),
  };
  let port = 0;
  const server = createServer((req, res) => {
    handle(req, res, services, token, port).catch((error: unknown) => send(res, 500, { error: classifyError(error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const address = server.address() as AddressInfo;
  if (address.address !== LOOPBACK) {
    server.close();
    throw new Error(`console bound ${address.address}, not ${LOOPBACK}: refusing to serve`);
  }
  port = address.port;
  const origin = `http://${LOOPBACK}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, services: ConsoleServices, token: string, port: number): Promise<void> {
  const verdict = authorize(req, token, port);
  if (!verdict.allowed) return send(res, verdict.status, { error: `forbidden: ${verdict.reason}` });
  const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
  const asset = req.method === 'GET' ? ASSETS[url.pathname] : undefined;
  if (asset) {
    const text = await readFile(new URL(asset.file, PAGE_DIR), 'utf8');
    // the page's asset URLs carry the token (a <script src> cannot send a header)
    return sendRaw(res, 200, { raw: url.pathname === '/' ? text.replaceAll('{{TOKEN}}', token) : text, type: asset.type });
  }
  const match = matchRoute(req.method ?? 'GET', url.pathname);
  if (!match) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  try {
    const body = req.method === 'POST' ? await readJson(req) : {};
    const answer = await match.route.handler(services, match.params, url.searchParams, body);
    if (answer && typeof answer === 'object' && 'raw' in answer) return sendRaw(res, 200, answer as RawAnswer);
    return send(res, 200, answer);
  } catch (error) {
    const { status, message, hint } = errorAnswer(error);
    return send(res, status, { error: message, ...(hint ? { hint } : {}) });
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new BadRequest('body', `larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest('body', 'not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadRequest('body', 'must be a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, { raw: JSON.stringify(body), type: 'application/json; charset=utf-8' });
}

function sendRaw(res: ServerResponse, status: number, answer: RawAnswer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': answer.type, ...(answer.headers ?? {}) });
  res.end(answer.raw);
}
