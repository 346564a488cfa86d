/**
 * Headless Chromium for the browser tests (the ops console's e2e): Debian's `chromium` package, installed
 * by the project's own set-up like the local engine, driven through `playwright-core` (no browser download
 * of Playwright's own: `npx playwright install` is never used).
 *
 * Only node: built-ins and playwright-core are used, so test setup and scripts can import it.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser; `COURIER_CHROMIUM` overrides. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** The Debian package that provides it. */
export const CHROMIUM_PACKAGE = 'chromium';

/**
 * Flags for a quiet headless run on a machine without a display or outbound network: no sandbox (CI runs
 * as root), no GPU, and none of the background connections (component updates, sync, QUIC) the browser
 * would otherwise try and log failures for.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumPath = (): string => process.env.COURIER_CHROMIUM ?? DEFAULT_CHROMIUM;

/** The browser executable when it is installed, else undefined. */
export function installedChromium(path = chromiumPath()): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Why the browser tests cannot run, and how to fix it. */
export const missingChromium = (path = chromiumPath()): string =>
  `headless Chromium not found at ${path}: install it with \`npx tsx scripts/browser/cli.ts install\` (Debian: apt-get install -y ${CHROMIUM_PACKAGE}), or set COURIER_CHROMIUM to a Chromium binary`;

/** Installs Debian's chromium with apt-get (through sudo unless root); a no-op when it is there. */
export function installChromium(log: (line: string) => void = (l) => process.stderr.write(`[browser] ${l}\n`)): { path: string; skipped: boolean } {
  const present = installedChromium();
  if (present) {
    log(`chromium already installed at ${present}`);
    return { path: present, skipped: true };
  }
  if (!existsSync('/usr/bin/apt-get')) throw new Error(`${missingChromium()} (no apt-get on this machine)`);
  const root = process.getuid?.() === 0;
  const apt = (args: string[]) => {
    const [cmd, argv] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
    log(`${cmd} ${argv.join(' ')}`);
    const r = spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed with ${r.status ?? r.signal}`);
  };
  apt(['update']);
  apt(['install', '-y', '--no-install-recommends', CHROMIUM_PACKAGE]);
  const path = installedChromium();
  if (!path) throw new Error(`installed ${CHROMIUM_PACKAGE} but ${chromiumPath()} is still missing`);
  return { path, skipped: false };
}

/** The browser's version line, e.g. `Chromium 156.0.8078.108 built on Debian GNU/Linux 12 (bookworm)`. */
export function chromiumVersion(path = chromiumPath()): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Launches headless Chromium with a fresh profile directory (removed again on close); throws
 * {@link missingChromium} when the browser is not installed.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.newPage();
 */
export async function launchChromium(): Promise<BrowserContext> {
  const executablePath = installedChromium();
  if (!executablePath) throw new Error(missingChromium());
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'courier-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1360, height: 900 } });
  context.on('close', () => void removeProfile(profile));
  return context;
}

/**
 * Removes a closed browser's profile directory. Chromium's helper processes can still write into it for
 * a moment after the context closes (`ENOTEMPTY` mid-removal), so it retries; and since a leftover temp
 * directory is not worth failing a test run for, it warns instead of throwing (it runs in an event
 * handler, where a throw is an uncaught exception).
 *
 * @example
 * context.on('close', () => void removeProfile(profile));
 */
export async function removeProfile(dir: string, remove: typeof rm = rm): Promise<void> {
  try {
    await remove(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  } catch (error) {
    process.stderr.write(`courier: could not remove the browser profile ${dir}: ${(error as Error).message}\n`);
  }
}
