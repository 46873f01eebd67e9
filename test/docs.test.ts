/**
 * Keeps the docs honest: every TypeScript block in `docs/` and the README that starts with
 * `// from <path>` must appear, line for line, in that file (which CI type-checks and tests).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Block {
  readonly page: string;
  readonly source: string;
  readonly code: string;
}

function blocks(page: string): Block[] {
  let text: string;
  try {
    text = readFileSync(join(root, page), 'utf8');
  } catch {
    return [];
  }
  const found: Block[] = [];
  for (const match of text.matchAll(/```ts\n\/\/ from (\S+)\n([\s\S]*?)```/g)) {
    found.push({ page, source: match[1] as string, code: match[2] as string });
  }
  return found;
}

const all = pages.flatMap(blocks);

describe('documentation code blocks', () => {
  it('exist', () => {
    expect(all.length).toBeGreaterThan(3);
  });

  it.each(all.map((b) => [`${b.page} <- ${b.source}`, b] as const))('%s', (_name, block) => {
    const source = readFileSync(join(root, block.source), 'utf8');
    expect(source).toContain(block.code.trimEnd());
  });
});
