import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The toolkit: what the package ships (docs/ARCHITECTURE.md § Package). */
const TOOLKIT = ['functions/contracts', 'functions/runtime', 'functions/testing', 'functions/handlers', 'lib/constructs', 'bin/cli'];
/** The reference app: its catalog, services, stacks and CDK app. */
const APP = ['functions/events', 'functions/orders', 'functions/inventory', 'functions/risk', 'functions/points', 'functions/notifications', 'lib/stacks'];

const existing = (dirs: string[]) => dirs.filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());
const within = (file: string, dirs: string[]) => dirs.some((d) => file === d || file.startsWith(`${d}/`));
/** Import specifiers of a file; comments (TSDoc examples) are left out. */
const importsOf = (file: string) => {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/(?:from\s+|import\(\s*)'([^']+)'/g)].map((m) => m[1]!);
};
/** A relative specifier as a repo path (no extension). */
const target = (file: string, spec: string) => normalize(join(dirname(file), spec)).replace(/\.(js|ts)$/, '');

describe('package boundaries', () => {
  it('the toolkit never imports the reference app', () => {
    for (const file of existing(TOOLKIT).flatMap(files)) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        expect(within(target(file, spec), APP), `${file} imports ${spec}`).toBe(false);
      }
    }
  });

  it('the toolkit imports its own files with .js extensions, so the compiled package runs on plain node', () => {
    for (const file of existing(TOOLKIT).flatMap(files)) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) expect(spec, `${file} imports ${spec}`).toMatch(/\.js$/);
    }
  });

  it('the reference app reaches the toolkit only through its public entry points', () => {
    for (const file of [...existing(APP).flatMap(files), 'bin/app.ts']) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        expect(within(target(file, spec), TOOLKIT), `${file} imports ${spec} (use courier/…)`).toBe(false);
      }
    }
  });

  it('lib/ never imports the runtime, and handlers never import lib/', () => {
    for (const file of files('lib')) {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(/^courier\/runtime$|functions\/runtime\//);
    }
    for (const file of existing(['functions']).flatMap(files)) {
      for (const spec of importsOf(file)) expect(spec, `${file} imports ${spec}`).not.toMatch(/^courier\/constructs$|(^|\/)lib\//);
    }
  });
});
