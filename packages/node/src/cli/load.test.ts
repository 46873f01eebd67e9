import { http, queue, router } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { errorLocation, functionsOf, isTypeScript, pickFunction } from './load.js';
import { UsageError } from './usage.js';

const a = http({ method: 'GET', path: '/a' }).handle(() => 'a');
const b = http({ method: 'GET', path: '/b' }).handle(() => 'b');
const api = router(a, b);
const ship = queue({ name: 'orders' }).handle(() => {});

describe('functionsOf()', () => {
  it('uses the "functions" record when the module has one', () => {
    // Act / Assert
    expect(functionsOf({ a, functions: { api, ship } })).toEqual({ api, ship });
  });

  it('uses a default export record next', () => {
    // Act / Assert
    expect(functionsOf({ default: { ship } })).toEqual({ ship });
  });

  it('otherwise takes every exported function, minus routes an exported router serves', () => {
    // Act / Assert
    expect(functionsOf({ a, b, api, ship, helper: () => 1, version: '1' })).toEqual({ api, ship });
  });

  it('takes a function exported both by name and as default once, under its name', () => {
    // Prepare: as an ES module namespace lists them, sorted, default before the later names
    const hello = http({ method: 'GET', path: '/hello' }).handle(() => 'hi');
    const mod = Object.fromEntries([
      ['default', hello],
      ['hello', hello],
      ['ship', ship],
      ['zebra', ship],
    ]);

    // Act
    const served = functionsOf(mod);
    const lone = functionsOf({ default: ship, a });

    // Assert
    expect(Object.keys(served)).toEqual(['hello', 'ship']);
    expect(served.hello).toBe(hello);
    expect(lone).toEqual({ a, main: ship });
  });
});

describe('pickFunction()', () => {
  it('finds an export, or a name of the functions record, and lists what exists otherwise', () => {
    // Act / Assert
    expect(pickFunction({ ship }, 'ship', 'm.ts')).toBe(ship);
    expect(pickFunction({ functions: { orders: ship } }, 'orders', 'm.ts')).toBe(ship);
    expect(() => pickFunction({ ship, a }, 'nope', 'm.ts')).toThrow(UsageError);
    expect(() => pickFunction({ ship, a }, 'nope', 'm.ts')).toThrow(
      'm.ts has no Skyport function "nope"; it exports: ship, a',
    );
  });
});

describe('isTypeScript()', () => {
  it('tells TypeScript modules from JavaScript ones', () => {
    // Act / Assert
    expect(['a.ts', 'a.mts', 'a.cts', 'a.tsx', 'a.js', 'a.mjs'].map(isTypeScript)).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('errorLocation()', () => {
  const block = 'file:///app/src/helper.ts:2\nexport const x = (1;\n                   ^';

  it('finds the block at the head of the stack whatever name the line after it carries', () => {
    // Prepare: as tsx's error is stacked on Node 22 and later, its name set after its stack
    const error = new Error('Transform failed with 1 error');
    error.name = 'TransformError';
    error.stack = `${block}\n\nError: Transform failed with 1 error\n    at failureErrorWithLog (main.js:1752:15)`;
    const syntax = new SyntaxError('Unexpected token');
    syntax.stack = `${block}\n\nSyntaxError: Unexpected token\n    at compileSourceTextModule (node:internal)`;

    // Act / Assert
    expect(errorLocation(error)).toBe(block);
    expect(errorLocation(syntax)).toBe(block);
  });

  it('finds none in a stack that does not start with one', () => {
    // Prepare: a message with a blank line in it, and a stack with no blank line
    const error = new Error('first\n\nsecond');
    const plain = new SyntaxError('Unexpected token');

    // Act / Assert
    expect(errorLocation(error)).toBeUndefined();
    expect(errorLocation(plain)).toBeUndefined();
  });
});
