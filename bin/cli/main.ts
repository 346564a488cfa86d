import { pathToFileURL } from 'node:url';
import { commandHelp, groupHelp, parseCommand, type Command, type Group } from './args.js';
import { loadAppConfig } from './app-config.js';
import { consoleCommand } from './console/command.js';
import { classifyError, createClients, createContext, EXIT, processOutput, UsageError, type Context, type Output } from './context.js';
import { dlqGroup } from './dlq.js';
import { failedGroup } from './failed.js';
import { localGroup } from './local/command.js';
import { extractGlobals, GLOBAL_HELP, type GlobalOptions } from './globals.js';
import { outboxGroup } from './outbox.js';
import { loadPlugins } from './plugins.js';
import { replayCommand } from './replay.js';
import { resolveScope } from './scope.js';
import { traceCommand } from './trace.js';

/** Top level: groups with subcommands, and single commands. */
export const TOP: (Group | Command)[] = [dlqGroup, replayCommand, outboxGroup, failedGroup, traceCommand, consoleCommand, localGroup];

const isGroup = (x: Group | Command): x is Group => 'commands' in x;

export function mainHelp(): string {
  const rows = TOP.flatMap((x) => (isGroup(x) ? x.commands : [x]));
  const width = Math.max(...rows.map((c) => c.name.length));
  return [
    'usage: courier <command> [options]',
    '',
    'Operate courier: dead-letter queues, archive replay, outboxes, failed-message stores, tracing a business key.',
    "Resources are found from the outputs of the app's stacks of one stage (named <stage>-<app>…).",
    '',
    'commands:',
    ...rows.map((c) => `  courier ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL_HELP,
    '',
    'courier <command> --help for its options. Runbook: docs/OPERATIONS.md',
    '',
    'exit codes: 0 ok, 1 failed or refused, 2 usage, 3 no credentials / endpoint unreachable, 4 stacks not deployed, 5 unknown consumer or service',
  ].join('\n');
}

/**
 * The context for a command line: the app's cdk.json (app name, default stage, plugins) in the working
 * directory, the global options, the AWS clients they point at.
 */
export async function contextFor(globals: GlobalOptions, out: Output = processOutput): Promise<Context> {
  const config = loadAppConfig();
  return createContext({
    out,
    scope: resolveScope(globals, config),
    plugins: await loadPlugins(config.plugins),
    clients: createClients({ profile: globals.profile, region: globals.region, endpoint: globals.endpointUrl }),
    ...(globals.endpointUrl && { endpoint: globals.endpointUrl }),
  });
}

/**
 * Runs one command line and returns its exit code; never calls process.exit, so tests and the e2e can
 * call it in-process with their own context (mocked clients, buffered output; its scope gives way to
 * --stage / --app when the command line has them).
 */
export async function main(argv: string[], given?: Context): Promise<number> {
  const out: Output = given?.out ?? processOutput;
  let usage = 'usage: courier <command> [options]  (courier --help)';
  try {
    const { globals, rest: commandLine } = extractGlobals(argv);
    const [first, second, ...rest] = commandLine;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      (first === undefined ? out.err : out.out)(`${mainHelp()}\n`);
      return first === undefined ? EXIT.usage : EXIT.ok;
    }
    const top = TOP.find((x) => x.name === first);
    if (!top) throw new UsageError(`unknown command '${first}'`);
    let command: Command;
    let args: string[];
    if (isGroup(top)) {
      usage = groupHelp(top);
      if (second === undefined) throw new UsageError(`missing ${top.name} command`);
      if (second === '--help' || second === '-h') {
        out.out(`${groupHelp(top)}\n`);
        return EXIT.ok;
      }
      const sub = top.commands.find((c) => c.name === `${top.name} ${second}`);
      if (!sub) throw new UsageError(`unknown command '${top.name} ${second}'`);
      command = sub;
      args = rest;
    } else {
      command = top;
      args = commandLine.slice(1);
    }
    usage = commandHelp(command);
    const parsed = parseCommand(command, args);
    if (parsed === 'help') {
      out.out(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    const ctx = given ? rescoped(given, globals) : await contextFor(globals, out);
    return await command.run(ctx, parsed);
  } catch (error) {
    if (error instanceof UsageError) {
      out.err(`courier: ${error.message}\n${error.usage ? `usage: ${error.usage}` : usage}\n`);
      return EXIT.usage;
    }
    const { exitCode, message, hint } = classifyError(error);
    out.err(`courier: ${message}\n${hint ? `hint: ${hint}\n` : ''}`);
    if (process.env.COURIER_DEBUG && error instanceof Error) out.err(`${error.stack}\n`);
    return exitCode;
  }
}

/**
 * A caller-made context (tests, the console) narrowed by --stage/--app: a new context, so the stacks
 * are discovered for the new scope instead of reusing the deployment the caller's context cached.
 */
function rescoped(given: Context, globals: GlobalOptions): Context {
  if (!globals.stage && !globals.app) return given;
  const { clients, out, now, sleep, plugins, endpoint } = given;
  const scope = resolveScope({ ...given.scope, ...globals }, { plugins: [] });
  return createContext({ clients, out, now, sleep, plugins, scope, ...(endpoint && { endpoint }) });
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) void runProcess();

/** The process entry (dist/bin/courier.js, or `npx tsx bin/cli/main.ts`): sets process.exitCode. */
export async function runProcess(argv = process.argv.slice(2)): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await main(argv);
}
