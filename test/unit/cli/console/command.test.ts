import { describe, expect, it } from 'vitest';
import { main } from '../../../../bin/cli/main';
import { testContext } from '../fixture';

describe('courier console (command line)', () => {
  it('refuses a missing or malformed AsyncAPI document and a bad port with usage (exit 2), before serving anything', async () => {
    const a = testContext();
    expect(await main(['console', '--asyncapi', 'no/such/asyncapi.json'], a.ctx)).toBe(2);
    expect(a.out.stderr).toContain('--asyncapi no/such/asyncapi.json: no such file');
    expect(a.out.stderr).toContain('usage: courier console [--port N] [--asyncapi PATH]');
    const b = testContext();
    expect(await main(['console', '--asyncapi', 'package.json'], b.ctx)).toBe(2);
    expect(b.out.stderr).toContain('not an AsyncAPI 3 JSON document');
    const c = testContext();
    expect(await main(['console', '--port', '70000'], c.ctx)).toBe(2);
    expect(c.out.stderr).toContain('--port must be at most 65535');
  });

  it('is listed in courier --help', async () => {
    const { ctx, out } = testContext();
    expect(await main(['--help'], ctx)).toBe(0);
    expect(out.stdout).toMatch(/courier console\s+a local web page/);
  });
});
