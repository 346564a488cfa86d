import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The console binds this address and no other: it is a local operator's tool, never a service. */
export const LOOPBACK = '127.0.0.1';

/** Header carrying the per-run token on API calls (a cross-site form or image cannot set it). */
export const TOKEN_HEADER = 'x-courier-token';

/** A fresh random token per run (192 bits), printed in the URL at start. */
export const createToken = (): string => randomBytes(24).toString('base64url');

export type Verdict = { allowed: true } | { allowed: false; status: 403; reason: string };

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Decides whether a request may proceed:
 * - the Host header names this loopback server (a DNS-rebinding page arrives with its own host name);
 * - every request carries the token: in the `x-courier-token` header, or for GETs the page, its assets
 *   and downloads load themselves, in the `token` query parameter;
 * - a state-changing request carries it in the header only, as JSON, and when the browser says where it
 *   comes from (Origin, Sec-Fetch-Site) that is this origin: the CSRF check.
 *
 * @example
 * const verdict = authorize(req, token, port);
 * if (!verdict.allowed) return refuse(res, verdict.status, verdict.reason);
 */
export function authorize(req: IncomingMessage, token: string, port: number): Verdict {
  const origins = [`http://${LOOPBACK}:${port}`, `http://localhost:${port}`];
  const host = req.headers.host ?? '';
  if (!origins.some((o) => o === `http://${host}`)) return { allowed: false, status: 403, reason: `unexpected Host '${host}'` };
  const url = new URL(req.url ?? '/', origins[0]);
  const header = req.headers[TOKEN_HEADER];
  const fromHeader = typeof header === 'string' ? header : undefined;
  const method = req.method ?? 'GET';
  if (!STATE_CHANGING.has(method)) {
    return sameToken(fromHeader ?? url.searchParams.get('token') ?? undefined, token) ? { allowed: true } : { allowed: false, status: 403, reason: 'missing or wrong token' };
  }
  if (!sameToken(fromHeader, token)) return { allowed: false, status: 403, reason: `a ${method} needs the token in the ${TOKEN_HEADER} header` };
  const origin = req.headers.origin;
  if (origin !== undefined && !origins.includes(origin)) return { allowed: false, status: 403, reason: `cross-site request from ${origin} refused` };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return { allowed: false, status: 403, reason: `cross-site request (${String(site)}) refused` };
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return { allowed: false, status: 403, reason: 'a state-changing request must be application/json' };
  return { allowed: true };
}

/** Headers on every answer: nothing cached, nothing framed, no referrer carrying the token, scripts only from here. */
export const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};
