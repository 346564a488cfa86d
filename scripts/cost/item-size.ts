import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size and request-unit rounding, as AWS documents them ("DynamoDB item sizes and
 * formats", "DynamoDB read and write operations"): an item is the sum of its attribute names' UTF-8
 * bytes and their values' sizes; a string is its UTF-8 bytes, a binary its raw bytes, a number one byte
 * per two significant digits (paired on the decimal point) plus one (plus one if negative), a boolean or
 * null one byte, a list or map 3 bytes plus one per element (a map element adds its key's bytes).
 * A write costs one unit per started KB (at least one); a read one unit per started 4 KB when strongly
 * consistent, half of that when eventually consistent, twice that in a transaction.
 */

/** Bytes of one number as DynamoDB stores it (base-100 digit pairs aligned on the decimal point). */
export function numberSize(text: string): number {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const [mantissa = '', exponentText] = trimmed.replace(/^[+-]/, '').toLowerCase().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = whole + fraction;
  if (!/^\d+$/.test(digits)) return 1;
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  if (significant === '') return 1;
  // position of the last significant digit relative to the decimal point decides the pairing
  const trailingZeros = digits.replace(/^0+/, '').length - significant.length;
  const exponent = Number(exponentText ?? 0) - fraction.length + trailingZeros;
  let paired = Math.abs(exponent) % 2 === 1 ? `${significant}0` : significant;
  if (paired.length % 2 === 1) paired = `0${paired}`;
  return 1 + paired.length / 2 + (negative ? 1 : 0);
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
const binarySize = (value: Uint8Array | string) => (typeof value === 'string' ? Buffer.from(value, 'base64').length : value.byteLength);

/** Bytes of one attribute value (its name not included). */
export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return binarySize(value.B);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberSize(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + binarySize(b), 0);
  if (value.L !== undefined) return 3 + value.L.reduce((n, element) => n + 1 + attributeValueSize(element), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((n, [key, element]) => n + 1 + utf8(key) + attributeValueSize(element), 0);
  return 0;
}

/** Bytes of each attribute (name + value) of an item. */
export function attributeSizes(item: Record<string, AttributeValue>): Record<string, number> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, utf8(name) + attributeValueSize(value)]));
}

/**
 * Bytes of an item.
 * @example
 * itemSize({ pk: { S: 'ORDER#1' }, version: { N: '3' } }); // 2 + 7 + 7 + 2 = 18
 */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.values(attributeSizes(item)).reduce((n, size) => n + size, 0);
}

/** Write request units of writing one item of `bytes` (a failed conditional write costs the same). */
export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));

export type ReadMode = 'eventual' | 'strong' | 'transactional';

/** Read request units of reading `bytes` (one item, or a whole Query page) in `mode`. */
export function readUnits(bytes: number, mode: ReadMode): number {
  const blocks = Math.max(1, Math.ceil(bytes / 4096));
  return mode === 'eventual' ? blocks / 2 : mode === 'strong' ? blocks : 2 * blocks;
}
