/**
 * `npx tsx scripts/browser/cli.ts install|path`
 *
 * install  Debian's chromium (apt-get, through sudo unless root); no-op when already there
 * path     print the browser's path and version; exit 3 when it is missing
 */
import { chromiumVersion, installChromium, installedChromium, missingChromium } from './chromium';

const command = process.argv[2];
if (command === 'install') {
  const { path, skipped } = installChromium();
  console.log(`${chromiumVersion(path) ?? path}${skipped ? ' (already installed)' : ' installed'}`);
} else if (command === 'path') {
  const path = installedChromium();
  if (path) console.log(`${path}: ${chromiumVersion(path) ?? '?'}`);
  else {
    console.error(missingChromium());
    process.exitCode = 3;
  }
} else {
  console.error('usage: npx tsx scripts/browser/cli.ts install|path');
  process.exitCode = 2;
}
