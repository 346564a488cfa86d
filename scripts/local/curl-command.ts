/**
 * Command lines the demo prints for the user to paste into a POSIX shell. Every argument is
 * single-quoted: the engine's path-style API URLs end in the stage `$default`, which an unquoted (or
 * double-quoted) shell word would expand to nothing.
 */

/**
 * `value` as one single-quoted POSIX shell word (a `'` inside becomes `'\''`).
 *
 * @example
 * shellQuote("it's $HOME"); // 'it'\''s $HOME'
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Signing the request with SigV4 for API Gateway (`curl --aws-sigv4`), as the APIs require. */
export interface CurlSigning {
  region: string;
  /** `ACCESS_KEY_ID:SECRET` (curl's --user). */
  user: string;
}

/**
 * A `curl` command for `url`: `body` sent as JSON when given, SigV4-signed when `sign` is given.
 *
 * @example
 * curlCommand('POST', 'http://127.0.0.1:4566/_aws/execute-api/abc123/$default/orders', { body: { user_id: 'you' } });
 * // → curl -s -X POST 'http://127.0.0.1:4566/_aws/execute-api/abc123/$default/orders' -H 'content-type: application/json' -d '{"user_id":"you"}'
 */
export function curlCommand(method: string, url: string, options: { body?: unknown; sign?: CurlSigning } = {}): string {
  const { body, sign } = options;
  return [
    'curl',
    '-s',
    '-X',
    method,
    ...(sign ? ['--aws-sigv4', shellQuote(`aws:amz:${sign.region}:execute-api`), '--user', shellQuote(sign.user)] : []),
    shellQuote(url),
    ...(body === undefined ? [] : ['-H', shellQuote('content-type: application/json'), '-d', shellQuote(JSON.stringify(body))]),
  ].join(' ');
}
