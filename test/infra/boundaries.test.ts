import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('dependency direction', () => {
  it('lib/ and bin/app.ts import functions/events only, never the runtime or handlers', () => {
    for (const file of [...files('lib'), 'bin/app.ts']) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports.filter((s) => s.includes('functions/'))) {
        expect(spec, `${file} imports ${spec}`).toMatch(/functions\/events\//);
      }
    }
  });
});
