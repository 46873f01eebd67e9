/**
 * Consumers who compile without `strictNullChecks` (`strict: false`, or `strict: true` with
 * `strictNullChecks: false`) get the same request types: a part with no schema keeps its
 * default (`req.params.id` a string under `/todos/:id`), not `unknown`. The fixture and the
 * README's quick start are type-checked with each set of options; only their own diagnostics count.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const files = [join(import.meta.dirname, 'strict-off.fixture.ts'), join(root, 'examples/quickstart/functions.ts')];

const config = ts.readConfigFile(join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);

it.each([
  ['strict: false', { strict: false }],
  ['strictNullChecks: false', { strict: true, strictNullChecks: false }],
])('type-checks a consumer compiled with %s', (_, options) => {
  const program = ts.createProgram(files, { ...parsed.options, ...options, noEmit: true });
  const messages = files.flatMap((file) => {
    const source = program.getSourceFile(file);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
      (d) => `${file}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    );
  });
  expect(messages).toEqual([]);
});
