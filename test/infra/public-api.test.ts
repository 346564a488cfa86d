import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The package's public surface, read from its entry points the way a user's editor reads it: every value
 * an entry point exports (function, class, constant) has TSDoc with an `@example`, and every exported
 * type has TSDoc. Re-exports count once, at their declaration.
 */
const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as { compilerOptions: { paths: Record<string, [string]> } };
const entries = Object.entries(tsconfig.compilerOptions.paths).map(([name, [file]]) => ({ name, file: file.replace(/^\.\//, '') }));

interface Finding {
  entry: string;
  symbol: string;
  problem: 'no TSDoc' | 'no @example';
  file: string;
}

function auditEntryPoints(): Finding[] {
  const program = ts.createProgram(
    entries.map((e) => e.file),
    { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: true, skipLibCheck: true, types: ['node'] },
  );
  const checker = program.getTypeChecker();
  const seen = new Set<ts.Declaration>();
  const findings: Finding[] = [];
  for (const entry of entries) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry.file)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.declarations?.[0];
      if (!declaration || seen.has(declaration)) continue;
      seen.add(declaration);
      // A `const x = …` carries its TSDoc on the statement, two levels up.
      const documented = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
      const docs = ts.getJSDocCommentsAndTags(documented);
      const isValue = ts.isFunctionDeclaration(declaration) || ts.isClassDeclaration(declaration) || ts.isVariableDeclaration(declaration);
      const file = declaration.getSourceFile().fileName.replace(`${process.cwd()}/`, '');
      if (docs.length === 0) findings.push({ entry: entry.name, symbol: exported.name, problem: 'no TSDoc', file });
      else if (isValue && !ts.getJSDocTags(documented).some((tag) => tag.tagName.text === 'example')) {
        findings.push({ entry: entry.name, symbol: exported.name, problem: 'no @example', file });
      }
    }
  }
  return findings;
}

describe('public API of the package', () => {
  it('has TSDoc on every exported symbol and an @example on every exported value', () => {
    const findings = auditEntryPoints();
    expect(findings.map((f) => `${f.entry} ${f.symbol}: ${f.problem} (${f.file})`)).toEqual([]);
  }, 120_000);
});
