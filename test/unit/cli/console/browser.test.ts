import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installedChromium, launchChromium, removeProfile } from '../../../../scripts/browser/chromium';

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

  it('removes a closed browser’s profile directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'courier-profile-test-'));
    writeFileSync(join(dir, 'Local State'), '{}');
    await removeProfile(dir);
    expect(existsSync(dir)).toBe(false);
  });

  it('retries while Chromium’s helpers still write into the profile, and never throws (CI once died of ENOTEMPTY in the close handler)', async () => {
    const notEmpty = Object.assign(new Error("ENOTEMPTY: directory not empty, rmdir '/tmp/p/Default'"), { code: 'ENOTEMPTY' });
    const remove = vi.fn().mockRejectedValue(notEmpty);
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(removeProfile('/tmp/p', remove)).resolves.toBeUndefined();
    expect(remove).toHaveBeenCalledWith('/tmp/p', expect.objectContaining({ recursive: true, force: true, maxRetries: expect.any(Number) }));
    expect(remove.mock.calls[0]![1].maxRetries).toBeGreaterThan(0);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not remove the browser profile /tmp/p'));
    warn.mockRestore();
  });
});
