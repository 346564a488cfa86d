import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bad-input corpus (issue 8): committed bodies in `bodies/`, described by `cases.json`. Every case
 * must end as a 4xx with a message (HTTP: POST /orders) or as one DLQ message carrying its error class
 * (queue: the inventory-orders consumer queue). See README.md for the rules and the queue/HTTP split.
 */
export type CorpusKind = 'http' | 'queue' | 'both';
export type ErrorClass = 'MalformedJson' | 'NotAnEventBridgeEvent' | 'UnknownDetailType' | 'UnexpectedDetailType' | 'ContractViolation' | 'PermanentError';

export interface CorpusCase {
  name: string;
  /** http: a POST /orders body; queue: a whole SQS body (EventBridge envelope + detail); both: the same bytes to each. */
  kind: CorpusKind;
  /** Raw bytes (`.bin` files: not UTF-8) or UTF-8 text. */
  body: string | Buffer;
  expect: { http?: 400 | 413 | 415; errorClass?: ErrorClass };
  /** What is wrong with it. */
  note: string;
  /** Path relative to test/corpus. */
  file: string;
}

interface ManifestEntry {
  name: string;
  kind: CorpusKind;
  file: string;
  expect: CorpusCase['expect'];
  note: string;
}

export const CORPUS_DIR = fileURLToPath(new URL('.', import.meta.url));

/** The consumer the queue cases are written for, and the detail-types it declares. */
export const QUEUE_TARGET = { consumer: 'inventory-orders', declares: ['order.created.v1', 'order.cancelled.v1'] } as const;

const manifest = JSON.parse(readFileSync(join(CORPUS_DIR, 'cases.json'), 'utf8')) as ManifestEntry[];

export const cases: readonly CorpusCase[] = manifest.map((entry) => {
  const bytes = readFileSync(join(CORPUS_DIR, entry.file));
  return { ...entry, body: entry.file.endsWith('.bin') ? bytes : bytes.toString('utf8') };
});

/** Cases for POST /orders (http and both). */
export const httpCases = cases.filter((c) => c.kind !== 'queue');
/** Cases for the inventory-orders queue (queue and both); their bodies are always strings. */
export const queueCases = cases.filter((c): c is CorpusCase & { body: string } => c.kind !== 'http');
