import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { intOption, stringOption, type Command } from '../args.js';
import { EXIT, UsageError } from '../context.js';
import { startConsole, type RunningConsole } from './server.js';
import type { AsyncApiDocument } from './topology.js';

/** Where the topology comes from unless --asyncapi says otherwise (relative to the current directory). */
export const DEFAULT_ASYNCAPI = 'contracts/asyncapi.json';

/** Reads and parses the AsyncAPI document; a missing or malformed one is a usage error naming the flag. */
export async function readAsyncApi(path: string): Promise<AsyncApiDocument> {
  let text: string;
  try {
    text = await readFile(resolve(path), 'utf8');
  } catch (error) {
    throw new UsageError(`--asyncapi ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message} (the AsyncAPI document the topology is drawn from)`);
  }
  try {
    const doc = JSON.parse(text) as AsyncApiDocument;
    if (!doc || typeof doc !== 'object' || !doc.operations) throw new Error('no operations');
    return doc;
  } catch (error) {
    throw new UsageError(`--asyncapi ${path}: not an AsyncAPI 3 JSON document (${(error as Error).message})`);
  }
}

/** Resolves when the process is asked to stop (Ctrl-C, SIGTERM). */
const untilStopped = () =>
  new Promise<string>((done) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done(signal));
  });

export const consoleCommand: Command = {
  name: 'console',
  summary: 'a local web page: topology, live health, failed messages (redrive, delete, export), trace, outbox and failed-message store',
  options: {
    port: { type: 'string', value: 'N', description: 'listen on 127.0.0.1:N (default: a free port)' },
    asyncapi: { type: 'string', value: 'PATH', description: `the AsyncAPI document to draw the topology from (default ${DEFAULT_ASYNCAPI})` },
  },
  details: [
    'Serves on 127.0.0.1 only. The URL printed at start carries a random per-run token: every request needs it, and',
    'state-changing requests (redrive, delete, retry) also pass a same-origin check. It reads AWS through the same',
    'discovery, credentials and command functions as the rest of the CLI. Runs until Ctrl-C.',
  ].join('\n'),
  async run(ctx, parsed) {
    const port = intOption(parsed, 'port', 0, 0)!;
    if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}`);
    const asyncapi = await readAsyncApi(stringOption(parsed, 'asyncapi') ?? DEFAULT_ASYNCAPI);
    await ctx.deployment(); // not deployed / no credentials: fail now, with the CLI's exit code, not on the first page load
    const running: RunningConsole = await startConsole(ctx, { asyncapi, port });
    ctx.out.out(`courier console: ${running.url}\n(127.0.0.1 only; the token changes every run; Ctrl-C stops it)`);
    const signal = await untilStopped();
    await running.close();
    ctx.out.err(`courier console stopped (${signal})\n`);
    return EXIT.ok;
  },
};
