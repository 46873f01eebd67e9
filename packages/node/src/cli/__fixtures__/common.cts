/** A CommonJS TypeScript module (`.cts`), for the CLI's loading tests. */
import { http } from '@skyport/core';

export const hello = http({ method: 'GET', path: '/hello' }).handle((_req, ctx) => ({
  functionName: ctx.functionName,
  format: typeof module === 'object' ? 'commonjs' : 'module',
}));
