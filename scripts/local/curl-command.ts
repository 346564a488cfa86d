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

/**
 * A `curl` command that sends `body` as JSON to `url`.
 *
 * @example
 * curlCommand('POST', 'http://127.0.0.1:4566/_aws/execute-api/abc123/$default/orders', { user_id: 'you' });
 * // → curl -s -X POST 'http://127.0.0.1:4566/_aws/execute-api/abc123/$default/orders' -H 'content-type: application/json' -d '{"user_id":"you"}'
 */
export function curlCommand(method: string, url: string, body: unknown): string {
  return ['curl', '-s', '-X', method, shellQuote(url), '-H', shellQuote('content-type: application/json'), '-d', shellQuote(JSON.stringify(body))].join(' ');
}
