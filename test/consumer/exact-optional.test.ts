/**
 * Consumers who compile with `exactOptionalPropertyTypes` can pass `undefined` to any optional
 * option (a value read from the environment, say): every optional property of the public types
 * says `| undefined`. The fixture is type-checked with that flag; only its own diagnostics count.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const fixture = join(import.meta.dirname, 'exact-optional.fixture.ts');

it('type-checks a consumer with exactOptionalPropertyTypes that passes undefined options', () => {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([fixture], { ...parsed.options, exactOptionalPropertyTypes: true, noEmit: true });
  const source = program.getSourceFile(fixture);
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
});
