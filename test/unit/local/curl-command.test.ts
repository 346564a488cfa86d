import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { curlCommand, shellQuote } from '../../../scripts/local/curl-command';

/** The argv a POSIX shell makes of a command line (without running it). */
function argvOf(commandLine: string): string[] {
  const r = spawnSync('sh', ['-c', `set -- ${commandLine}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\0').slice(0, -1);
}

const URL = 'http://127.0.0.1:4566/_aws/execute-api/abc123/$default/orders';

describe('the curl hint printed by npm run local', () => {
  it('reaches the shell with the $default stage intact and the body as one argument', () => {
    const body = { user_id: "o'brien", currency: 'EUR', lines: [{ sku: 'SKU-TEA', qty: 1, unit_price_minor: 450 }] };
    const argv = argvOf(curlCommand('POST', URL, { body }));
    expect(argv).toEqual(['curl', '-s', '-X', 'POST', URL, '-H', 'content-type: application/json', '-d', JSON.stringify(body)]);
  });

  it('signs with SigV4 for execute-api when asked, the URL still intact', () => {
    const argv = argvOf(curlCommand('GET', URL, { sign: { region: 'us-east-1', user: 'test:test' } }));
    expect(argv).toEqual(['curl', '-s', '-X', 'GET', '--aws-sigv4', 'aws:amz:us-east-1:execute-api', '--user', 'test:test', URL]);
  });

  it('quotes any string as one shell word, quotes, dollars, backslashes and spaces included', () => {
    const nasty = `a $b "c" 'd' \\e \`f\` $(g)`;
    expect(argvOf(shellQuote(nasty))).toEqual([nasty]);
  });
});
