import { describe, expect, it } from 'vitest';
import { attributeValueSize, itemSize, numberSize, readUnits, writeUnits } from '../../../scripts/cost/item-size';

describe('DynamoDB item size (AWS "item sizes and formats")', () => {
  it('numbers: one byte per two significant digits, paired on the decimal point, plus one (plus one if negative)', () => {
    expect(numberSize('0')).toBe(1);
    expect(numberSize('7')).toBe(2);
    expect(numberSize('42')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('1700000000')).toBe(2); // leading and trailing zeros are trimmed: "17"
    expect(numberSize('1764322117123')).toBe(8); // epoch ms: 13 digits → 7 pairs
    expect(numberSize('-5')).toBe(3);
    expect(numberSize('1.5')).toBe(3); // "01" | "50": pairs never straddle the point
    expect(numberSize('12.5')).toBe(3); // "12" | "50"
    expect(numberSize('1e3')).toBe(2);
  });

  it('strings, binaries, booleans, null, sets, lists and maps', () => {
    expect(attributeValueSize({ S: 'héllo' })).toBe(6);
    expect(attributeValueSize({ B: new Uint8Array(10) })).toBe(10);
    expect(attributeValueSize({ BOOL: true })).toBe(1);
    expect(attributeValueSize({ NULL: true })).toBe(1);
    expect(attributeValueSize({ SS: ['ab', 'c'] })).toBe(3);
    expect(attributeValueSize({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(attributeValueSize({ M: { qty: { N: '2' } } })).toBe(3 + 1 + 3 + 2);
    expect(attributeValueSize({ L: [] })).toBe(3);
  });

  it('an item is the sum of its names and values', () => {
    expect(itemSize({ pk: { S: 'ORDER#1' }, version: { N: '3' } })).toBe(2 + 7 + 7 + 2);
  });
});

describe('request units', () => {
  it('writes: one per started KB, at least one', () => {
    expect(writeUnits(0)).toBe(1);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
  });

  it('reads: one per started 4 KB strongly consistent, half eventually consistent, twice transactional', () => {
    expect(readUnits(100, 'strong')).toBe(1);
    expect(readUnits(100, 'eventual')).toBe(0.5);
    expect(readUnits(4097, 'strong')).toBe(2);
    expect(readUnits(4097, 'transactional')).toBe(4);
    expect(readUnits(0, 'strong')).toBe(1); // a read of a missing item is charged the minimum
  });
});
