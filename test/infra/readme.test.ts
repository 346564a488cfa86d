import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Code blocks a doc includes from a file (`<!-- include: path -->` before a fenced block) must be that file. */
function includes(doc: string): { path: string; block: string }[] {
  const text = readFileSync(doc, 'utf8');
  return [...text.matchAll(/<!-- include: (\S+) -->\n```ts\n([\s\S]*?)```/g)].map((m) => ({ path: m[1]!, block: m[2]! }));
}

describe('examples in the docs are the compiled files', () => {
  it('lib/README.md includes its example stack verbatim', () => {
    const found = includes('lib/README.md');
    expect(found.map((f) => f.path)).toEqual(['lib/stacks/inventory-stack.ts']);
    for (const { path, block } of found) expect(block, path).toBe(readFileSync(path, 'utf8'));
  });
});
