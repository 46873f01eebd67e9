import { http, SkyportError } from '@skyport/core';
import { httpRequest, invoke } from '@skyport/testing';
import { describe, expect, it } from 'vitest';
import { apiKeyAuth } from './index.js';

type Keys = Parameters<typeof apiKeyAuth>[0]['keys'];

function outcome(keys: unknown): string {
  try {
    const fn = http()
      .use(apiKeyAuth({ keys: keys as Keys }))
      .handle(() => 'ok');
    return `defined (${typeof fn})`;
  } catch (error) {
    return error instanceof SkyportError ? `${error.code}: ${error.message}` : String(error);
  }
}

describe('apiKeyAuth keys', () => {
  it('refuses, when the function is defined, keys that are missing, empty or not strings, naming the entry', () => {
    // Prepare: what an unset variable or a loose config hands over, past the types.
    const unset: string | undefined = undefined;
    const bad: [unknown, string][] = [
      [[unset], 'keys[0] must be a non-empty string, got undefined'],
      [['the-partner-key', 12345], 'keys[1] must be a non-empty string, got a number'],
      [['the-partner-key', ''], 'keys[1] must be a non-empty string, got an empty string'],
      [[null], 'keys[0] must be a non-empty string, got null'],
      [[], 'keys is empty'],
      [{}, 'keys is empty'],
      [{ [unset ?? '']: 'partner' }, 'key 1 of keys must be a non-empty string, got an empty string'],
      [{ [String(unset)]: 'partner' }, 'key 1 of keys is the text "undefined"'],
      [{ 'the-partner-key': 5 }, 'the subject of key 1 of keys must be a non-empty string, got a number'],
      [{ 'the-partner-key': 'a', 'other-key': '' }, 'the subject of key 2 of keys must be a non-empty string'],
      ['the-partner-key', 'keys must be a list of keys or an object of key to subject, got a string'],
      [
        new Map([['the-partner-key', 'a']]),
        'keys must be a list of keys or an object of key to subject, got an object',
      ],
    ];

    // Act
    const outcomes = bad.map(([keys]) => outcome(keys));

    // Assert
    expect(outcomes).toEqual(
      bad.map(([, message]) => expect.stringContaining(`INVALID_DEFINITION: apiKeyAuth() ${message}`)),
    );
    for (const text of outcomes) {
      expect(text).not.toContain('the-partner-key');
      expect(text).not.toContain('12345');
    }
  });

  it('refuses, when the function is defined, a verify that is not a function', () => {
    // Prepare: a value configuration or plain JavaScript hands over, past the types
    type Verify = Parameters<typeof apiKeyAuth>[0]['verify'];
    const define = (verify: unknown) => () => apiKeyAuth({ verify: verify as Verify });

    // Act / Assert
    expect(define('partner-key')).toThrow('apiKeyAuth() verify must be a function (key, ctx) => verdict, got string');
    expect(define(null)).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(define(() => true)).not.toThrow();
  });

  it('accepts a list or a map of keys, and answers with the owner of the one presented', async () => {
    // Prepare
    const listed = http()
      .use(apiKeyAuth({ keys: ['key-alpha-123', 'key-beta-456'] }))
      .handle((_req, ctx) => ctx.auth);
    const mapped = http()
      .use(apiKeyAuth({ keys: { 'key-alpha-123': 'partner-a', 'key-beta-456': 'partner-b' } }))
      .handle((_req, ctx) => ctx.auth.subject);
    const send = (key: string) => httpRequest({ headers: { 'x-api-key': key } });

    // Act
    const fromList = await invoke(listed, send('key-beta-456'));
    const fromMap = await invoke(mapped, send('key-alpha-123'));
    const wrong = await invoke(mapped, send('key-alpha-1234'));
    const empty = await invoke(listed, send(''));

    // Assert
    expect(fromList.body).toEqual({ subject: undefined, claims: {}, scopes: [], roles: [], source: 'api-key' });
    expect(fromMap.text).toBe('partner-a');
    expect(wrong.status).toBe(401);
    expect(empty.status).toBe(401);
  });
});
