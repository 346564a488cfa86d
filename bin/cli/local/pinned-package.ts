/**
 * A Python tool pinned to one PyPI release and installed into its own project-local virtualenv (the
 * local engine in `.local/venv`, checkov in `.local/checkov-venv`): separate venvs, so the tools'
 * dependency pins never meet. Only node: built-ins, so any script or test setup can import it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** One pinned PyPI package and the virtualenv it lives in. */
export interface PinnedPackage {
  /** PyPI distribution name, e.g. `checkov`. */
  readonly name: string;
  /** Exact version, e.g. `3.3.30`. */
  readonly version: string;
  /** Absolute path of the virtualenv, e.g. `<repo>/.local/checkov-venv`. */
  readonly venv: string;
}

/**
 * The virtualenv's interpreter.
 *
 * @example
 * venvPython('/repo/.local/venv'); // /repo/.local/venv/bin/python
 */
export function venvPython(venv: string): string {
  return join(venv, 'bin', 'python');
}

/**
 * The first Python ≥ 3.10 among `$PYTHON`, python3.12, python3.11, python3.
 *
 * @example
 * spawnSync(findPython(), ['-m', 'venv', venv]);
 */
export function findPython(): string {
  for (const cand of [process.env.PYTHON, 'python3.12', 'python3.11', 'python3']) {
    if (!cand) continue;
    const r = spawnSync(cand, ['-c', 'import sys; print(sys.version_info >= (3, 10))'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === 'True') return cand;
  }
  throw new Error('no Python >= 3.10 found (set PYTHON=/path/to/python3)');
}

/**
 * Version of `name` installed in `venv`, or undefined (no venv, or not installed).
 *
 * @example
 * installedVersion('/repo/.local/checkov-venv', 'checkov'); // '3.3.30'
 */
export function installedVersion(venv: string, name: string): string | undefined {
  const python = venvPython(venv);
  if (!existsSync(python)) return undefined;
  const r = spawnSync(python, ['-c', `import importlib.metadata as m; print(m.version(${JSON.stringify(name)}))`], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Creates the virtualenv when missing and installs `name==version` into it; a no-op when that version
 * is already there. Throws when pip fails or the version found afterwards is not the pinned one.
 *
 * @example
 * installPinned({ name: 'checkov', version: '3.3.30', venv: '/repo/.local/checkov-venv' }, console.error);
 */
export function installPinned(pkg: PinnedPackage, log: (line: string) => void): { version: string; skipped: boolean } {
  const have = installedVersion(pkg.venv, pkg.name);
  if (have === pkg.version) {
    log(`${pkg.name} ${pkg.version} already installed in ${pkg.venv}`);
    return { version: pkg.version, skipped: true };
  }
  const python = venvPython(pkg.venv);
  if (!existsSync(python)) {
    const py = findPython();
    mkdirSync(dirname(pkg.venv), { recursive: true });
    log(`creating virtualenv ${pkg.venv} (${py})`);
    run(py, ['-m', 'venv', pkg.venv]);
  }
  log(`installing ${pkg.name}==${pkg.version}${have ? ` (replacing ${have})` : ''}`);
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `${pkg.name}==${pkg.version}`]);
  const now = installedVersion(pkg.venv, pkg.name);
  if (now !== pkg.version) throw new Error(`${pkg.name} install failed: found ${now ?? 'nothing'} after install`);
  return { version: pkg.version, skipped: false };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${r.status ?? r.signal}`);
}
