import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const heavy = /node_modules\/(jose|pino|@opentelemetry)\//;

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return Object.keys((result.metafile as Metafile).inputs);
}

describe('entry points', () => {
  it('@skyport/core loads none of jose, pino or @opentelemetry', async () => {
    const inputs = await inputsOf('../index.ts');
    expect(inputs.some((file) => file.endsWith('core/src/index.ts'))).toBe(true);
    expect(inputs.filter((file) => heavy.test(file))).toEqual([]);
    expect(inputs.filter((file) => /src\/(auth|logger|tracing)\//.test(file))).toEqual([]);
  });

  it.each([
    ['../auth/index.ts', 'jose', ['pino', '@opentelemetry']],
    ['./index.ts', 'pino', ['jose', '@opentelemetry']],
    ['../tracing/index.ts', '@opentelemetry', ['jose', 'pino']],
  ])('%s loads %s and nothing else heavy', async (entry, needed, others) => {
    const inputs = await inputsOf(entry);
    expect(inputs.some((file) => file.includes(`node_modules/${needed}/`))).toBe(true);
    for (const other of others) expect(inputs.filter((file) => file.includes(`node_modules/${other}/`))).toEqual([]);
  });
});
