import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * A small evaluator of DynamoDB condition expressions, enough for the ones courier sends: comparisons
 * (`=`, `<>`, `<`, `<=`, `>`, `>=`) of attributes, `#names` and `:values`; `attribute_exists` /
 * `attribute_not_exists`; `AND`, `OR`, `NOT` and parentheses, with DynamoDB's precedence (NOT, AND, OR).
 * A comparison with a missing attribute is false, as in DynamoDB. Anything else is an error, so a test
 * never passes on an expression the fake did not understand.
 */
export interface ExpressionContext {
  names?: Record<string, string>;
  values?: Record<string, AttributeValue>;
}

type Item = Record<string, AttributeValue>;
type Token = { kind: 'word' | 'name' | 'value' | 'op' | 'paren' | 'comma'; text: string };

const TOKEN = /\s*(?:(<>|<=|>=|=|<|>)|(\(|\))|(,)|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_.]*))/y;

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(expression);
    if (!m) {
      if (expression.slice(start).trim() === '') break;
      throw new Error(`condition expression: cannot read "${expression.slice(start)}"`);
    }
    const [, op, paren, comma, name, value, word] = m;
    if (op) tokens.push({ kind: 'op', text: op });
    else if (paren) tokens.push({ kind: 'paren', text: paren });
    else if (comma) tokens.push({ kind: 'comma', text: comma });
    else if (name) tokens.push({ kind: 'name', text: name });
    else if (value) tokens.push({ kind: 'value', text: value });
    else if (word) tokens.push({ kind: 'word', text: word });
  }
  return tokens;
}

/** Compares two attribute values as DynamoDB does for N and S; other types only for equality. */
function compare(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.N !== undefined && b.N !== undefined) return Number(a.N) - Number(b.N);
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  return JSON.stringify(a) === JSON.stringify(b) ? 0 : undefined;
}

/**
 * True when `expression` holds for `item` (undefined: the item does not exist): for fakes of your own
 * tables that must honour the conditions your handlers send.
 *
 * @example
 * const ok = evaluateCondition('attribute_not_exists(pk) OR #v < :v', stored, { names: { '#v': 'version' }, values: { ':v': { N: '3' } } });
 * if (!ok) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
 */
export function evaluateCondition(expression: string, item: Item | undefined, context: ExpressionContext = {}): boolean {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const t = tokens[at++];
    if (!t) throw new Error(`condition expression ended early: ${expression}`);
    return t;
  };
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text) throw new Error(`condition expression: expected "${text}", got "${t.text}" in ${expression}`);
  };
  const attributeName = (t: Token): string => {
    if (t.kind === 'name') {
      const resolved = context.names?.[t.text];
      if (resolved === undefined) throw new Error(`condition expression: ${t.text} is not in ExpressionAttributeNames`);
      return resolved;
    }
    if (t.kind === 'word') return t.text;
    throw new Error(`condition expression: expected an attribute, got "${t.text}"`);
  };
  const operand = (): AttributeValue | undefined => {
    const t = next();
    if (t.kind === 'value') {
      const v = context.values?.[t.text];
      if (v === undefined) throw new Error(`condition expression: ${t.text} is not in ExpressionAttributeValues`);
      return v;
    }
    return item?.[attributeName(t)];
  };
  const primary = (): boolean => {
    const t = peek();
    if (t?.kind === 'paren' && t.text === '(') {
      next();
      const inner = or();
      expect(')');
      return inner;
    }
    if (t?.kind === 'word' && (t.text === 'attribute_exists' || t.text === 'attribute_not_exists')) {
      next();
      expect('(');
      const name = attributeName(next());
      expect(')');
      const exists = item?.[name] !== undefined;
      return t.text === 'attribute_exists' ? exists : !exists;
    }
    const left = operand();
    const op = next();
    if (op.kind !== 'op') throw new Error(`condition expression: expected a comparison, got "${op.text}" in ${expression}`);
    const right = operand();
    if (left === undefined || right === undefined) return false;
    const order = compare(left, right);
    if (order === undefined) return op.text === '<>';
    return { '=': order === 0, '<>': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[op.text]!;
  };
  const not = (): boolean => {
    if (peek()?.kind === 'word' && peek()!.text.toUpperCase() === 'NOT') {
      next();
      return !not();
    }
    return primary();
  };
  const and = (): boolean => {
    let value = not();
    while (peek()?.kind === 'word' && peek()!.text.toUpperCase() === 'AND') {
      next();
      const right = not();
      value = value && right;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek()?.kind === 'word' && peek()!.text.toUpperCase() === 'OR') {
      next();
      const right = and();
      value = value || right;
    }
    return value;
  };
  const result = or();
  if (at !== tokens.length) throw new Error(`condition expression: unexpected "${tokens[at]!.text}" in ${expression}`);
  return result;
}

/**
 * Applies an update expression of `SET a = :x, #b = :y` assignments (the only form courier sends) and
 * returns the updated item, for fakes that answer UpdateItem.
 *
 * @example
 * const updated = applySet('SET #s = :s, updated_at = :now', stored, { names: { '#s': 'status' }, values: { ':s': { S: 'SHIPPED' }, ':now': { N: '1700000000000' } } });
 */
export function applySet(expression: string, item: Item, context: ExpressionContext = {}): Item {
  const match = /^\s*SET\s+(.+)$/i.exec(expression);
  if (!match) throw new Error(`update expression: only SET assignments are understood, got ${expression}`);
  const next = { ...item };
  for (const assignment of match[1]!.split(',')) {
    const [left, right] = assignment.split('=').map((s) => s.trim());
    const name = left!.startsWith('#') ? context.names?.[left!] : left;
    const value = context.values?.[right!];
    if (!name || !value) throw new Error(`update expression: cannot read "${assignment.trim()}"`);
    next[name] = value;
  }
  return next;
}
