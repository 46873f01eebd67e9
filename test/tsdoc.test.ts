/**
 * Every public export carries documentation: functions and classes a TSDoc comment with an
 * `@example`, types and constants at least a TSDoc comment. Read with the TypeScript compiler
 * from each package entry point, so a new export without docs fails CI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const packages = ['core', 'testing', 'aws', 'azure', 'gcp', 'node', 'otel'];

function entries(pkg: string): string[] {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as {
    exports: Record<string, { default: string } | string>;
  };
  // The code entries; `./package.json` maps to itself, as a string.
  return Object.values(manifest.exports)
    .filter((entry) => typeof entry === 'object')
    .map((entry) => join(root, 'packages', pkg, entry.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')));
}

const files = packages.flatMap(entries);
const program = ts.createProgram(files, {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
});
const checker = program.getTypeChecker();

interface Missing {
  readonly entry: string;
  readonly name: string;
  readonly problem: string;
}

function audit(file: string): Missing[] {
  const source = program.getSourceFile(file);
  if (!source) return [{ entry: file, name: '(module)', problem: 'not found' }];
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (!moduleSymbol) return [];
  const missing: Missing[] = [];
  const entry = file.slice(root.length + 1);
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    // Namespace re-exports (`export * as aws`) are documented at the re-export.
    if (!declaration || ts.isSourceFile(declaration)) continue;
    if (declaration.getSourceFile().fileName.includes('node_modules')) continue;
    const docs = ts.getJSDocCommentsAndTags(declaration);
    const text = symbol
      .getDocumentationComment(checker)
      .map((part) => part.text)
      .join('');
    const callable =
      ts.isFunctionDeclaration(declaration) ||
      ts.isClassDeclaration(declaration) ||
      (ts.isVariableDeclaration(declaration) &&
        declaration.initializer !== undefined &&
        (ts.isArrowFunction(declaration.initializer) || ts.isFunctionExpression(declaration.initializer)));
    if (text.trim() === '' && docs.length === 0) {
      missing.push({ entry, name: exported.name, problem: 'no TSDoc' });
    } else if (callable && !symbol.getJsDocTags(checker).some((tag) => tag.name === 'example')) {
      missing.push({ entry, name: exported.name, problem: 'no @example' });
    }
  }
  return missing;
}

describe('TSDoc on every export', () => {
  it.each(files.map((file) => [file.slice(root.length + 1), file] as const))('%s', (_name, file) => {
    expect(audit(file)).toEqual([]);
  });
});
