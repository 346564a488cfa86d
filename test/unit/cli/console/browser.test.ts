import { afterEach, describe, expect, it } from 'vitest';
import { installedChromium, launchChromium } from '../../../../scripts/browser/chromium';

describe('headless Chromium for the console browser test', () => {
  const before = process.env.COURIER_CHROMIUM;
  afterEach(() => {
    if (before === undefined) delete process.env.COURIER_CHROMIUM;
    else process.env.COURIER_CHROMIUM = before;
  });

  it('fails with a clear message naming the fix when the browser is missing', async () => {
    process.env.COURIER_CHROMIUM = '/nonexistent/chromium';
    expect(installedChromium()).toBeUndefined();
    await expect(launchChromium()).rejects.toThrow(
      'headless Chromium not found at /nonexistent/chromium: install it with `npx tsx scripts/browser/cli.ts install` (Debian: apt-get install -y chromium)',
    );
  });
});
