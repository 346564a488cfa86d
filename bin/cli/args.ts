import { parseArgs } from 'node:util';
import { UsageError, type Context } from './context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Shown in --help; a string option names its value here, e.g. `N` or `ISO`. */
  value?: string;
  description: string;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** One leaf command (`dlq show`, `trace`): its help text, its options and how to run it. */
export interface Command {
  /** Words after `courier`, e.g. `dlq show`. */
  name: string;
  summary: string;
  /** Positional arguments in order, e.g. `<consumer|queue>`; all required. */
  args?: string[];
  options: Record<string, OptionSpec>;
  /** Extra help paragraphs. */
  details?: string;
  run(ctx: Context, parsed: Parsed): Promise<number>;
}

/** A group (`dlq`, `outbox`, `failed`) of subcommands. */
export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

export function usageLine(command: Command): string {
  const opts = Object.entries(command.options).map(([name, o]) => `[--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple ? '…' : ''}]`);
  return ['courier', command.name, ...(command.args ?? []), ...opts].join(' ');
}

export function commandHelp(command: Command): string {
  const options = { ...command.options, help: HELP };
  const left = Object.entries(options).map(([name, o]) => `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  return [
    `usage: ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'options:',
    ...Object.values(options).map((o, i) => `  ${left[i]!.padEnd(width)}  ${o.description}`),
  ].join('\n');
}

export function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  return [
    `usage: courier ${group.name} <command> [options]`,
    '',
    group.summary,
    '',
    'commands:',
    ...group.commands.map((c) => `  courier ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `courier ${group.name} <command> --help for its options`,
  ].join('\n');
}

/**
 * Strict parse with node:util parseArgs: unknown flags, missing values and a wrong number of
 * positionals are UsageErrors (exit 2) carrying the command's usage line.
 */
export function parseCommand(command: Command, argv: string[]): Parsed | 'help' {
  const options = { ...command.options, help: HELP };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, usageLine(command));
  }
  if (parsed.values.help) return 'help';
  const expected = command.args ?? [];
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`missing argument ${expected[parsed.positionals.length]}`, usageLine(command));
  }
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[expected.length]}'`, usageLine(command));
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

/** A positive integer option, or the default; anything else is a UsageError. */
export function intOption(parsed: Parsed, name: string, fallback: number | undefined, min = 1): number | undefined {
  const raw = parsed.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${String(raw)}'`);
  }
  return n;
}

export const stringOption = (parsed: Parsed, name: string): string | undefined => {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
};

export const listOption = (parsed: Parsed, name: string): string[] => {
  const v = parsed.values[name];
  if (Array.isArray(v)) return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return typeof v === 'string' ? [v] : [];
};

export const flag = (parsed: Parsed, name: string): boolean => parsed.values[name] === true;

export const JSON_OPTION: OptionSpec = { type: 'boolean', description: 'print JSON (the structured result) instead of text' };
