/**
 * A string body is sent as UTF-8 on every platform, so the content type it goes under says so:
 * asserted on `runHttp`'s response, which every adapter writes back, and on what `toLambda` gives
 * API Gateway.
 */
import { createLambdaContext, toLambda } from '@skyport/aws';
import { aws } from '@skyport/testing';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../builders.js';
import { createContext } from '../context.js';
import { setLogDestination } from '../log.js';
import { runHttp } from '../run.js';
import type { HttpResponseInit } from '../types.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

const ctx = () =>
  createContext({ cloud: 'node', kind: 'http', requestId: 'req-1', functionName: 'test', coldStart: false });

/** What `runHttp` and `toLambda` (an HTTP API event) answer for a handler returning `answer`. */
async function sent(answer: () => unknown) {
  const fn = http().handle(answer);
  const core = await runHttp(fn, { method: 'GET', path: '/' }, ctx());
  const lambda = (await toLambda(fn)(
    aws.apiGatewayV2({ path: '/' }),
    createLambdaContext(aws.lambdaContext()),
  )) as APIGatewayProxyStructuredResultV2;
  return { core, lambda };
}

/** The content type a string body `café` is sent under when the handler gives `type`. */
async function typeOfText(type: string, name = 'content-type'): Promise<string | undefined> {
  const { core, lambda } = await sent(
    (): HttpResponseInit => ({ status: 200, headers: { [name]: type }, body: 'café' }),
  );
  expect(lambda.headers?.['content-type']).toBe(core.headers['content-type']);
  expect(core.body).toBe('café');
  return core.headers['content-type'];
}

describe('a string body under a content type the handler gives', () => {
  it('has the charset it names replaced by utf-8, the bytes sent being UTF-8', async () => {
    // Act
    const { core, lambda } = await sent(() => ({
      status: 200,
      headers: { 'content-type': 'text/csv; charset=windows-1252' },
      body: 'café',
    }));

    // Assert
    expect(core.headers).toEqual({ 'content-type': 'text/csv; charset=utf-8' });
    expect(lambda.headers).toEqual({ 'content-type': 'text/csv; charset=utf-8' });
    expect(lambda.isBase64Encoded).toBe(false);
    expect([...Buffer.from(lambda.body ?? '', 'utf8')]).toEqual([0x63, 0x61, 0x66, 0xc3, 0xa9]);
  });

  it.each([
    ['text/html', 'text/html; charset=utf-8'],
    ['Text/HTML', 'Text/HTML; charset=utf-8'],
    ['text/html;', 'text/html; charset=utf-8'],
    ['text/plain; format=flowed', 'text/plain; format=flowed; charset=utf-8'],
    ['text/event-stream', 'text/event-stream; charset=utf-8'],
    ['application/xml', 'application/xml; charset=utf-8'],
    ['image/svg+xml', 'image/svg+xml; charset=utf-8'],
    ['application/atom+xml; type=feed', 'application/atom+xml; type=feed; charset=utf-8'],
    ['application/javascript', 'application/javascript; charset=utf-8'],
  ])('names utf-8 when the textual %s names no charset', async (given, expected) => {
    expect(await typeOfText(given)).toBe(expected);
  });

  it.each([
    ['text/csv; charset=windows-1252; header=present', 'text/csv; charset=utf-8; header=present'],
    ['text/plain; CHARSET="ISO-8859-1"', 'text/plain; CHARSET=utf-8'],
    ['text/plain;charset=latin1 ;format=fixed', 'text/plain;charset=utf-8 ;format=fixed'],
    ['text/plain; name="a;charset=x"; charset=utf-16', 'text/plain; name="a;charset=x"; charset=utf-8'],
    ['application/json; charset=iso-8859-1', 'application/json; charset=utf-8'],
    ['application/octet-stream; charset=windows-1252', 'application/octet-stream; charset=utf-8'],
    ['text/html; charset', 'text/html; charset=utf-8'],
    ['text/html; charset ; level=1', 'text/html; charset=utf-8 ; level=1'],
  ])('has the charset %s names replaced, other parameters kept where they are', async (given, expected) => {
    expect(await typeOfText(given)).toBe(expected);
  });

  it.each([
    'text/html; charset=utf-8',
    'text/html; charset=UTF-8',
    'text/html; charset="utf-8"',
    'text/plain; charset=utf8',
    'application/json',
    'application/problem+json',
    'application/x-ndjson',
    'application/octet-stream',
    'multipart/mixed; boundary=x',
  ])('keeps %s as it is: UTF-8 already, or a type that needs no charset', async (given) => {
    expect(await typeOfText(given)).toBe(given);
  });

  it('is labelled whatever the case of the header name', async () => {
    expect(await typeOfText('text/html', 'Content-Type')).toBe('text/html; charset=utf-8');
  });

  it('is labelled when the headers are a web Headers', async () => {
    // Act
    const { core } = await sent(() => ({
      status: 200,
      headers: new Headers({ 'content-type': 'text/html; charset=iso-8859-1' }),
      body: '<p>café</p>',
    }));

    // Assert
    expect(core.headers['content-type']).toBe('text/html; charset=utf-8');
  });
});

describe('a body that is no string', () => {
  it('keeps the charset the handler gave to bytes it encoded itself', async () => {
    // Prepare
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);

    // Act
    const { core } = await sent(() => ({
      status: 200,
      headers: { 'content-type': 'text/csv; charset=windows-1252' },
      body: latin1,
    }));

    // Assert
    expect(core.headers).toEqual({ 'content-type': 'text/csv; charset=windows-1252' });
    expect(core.body).toEqual(latin1);
  });

  it('keeps the type of data sent as JSON and the type of a string alone', async () => {
    // Act
    const data = await sent(() => ({ status: 201, body: { id: 1 } }));
    const text = await sent(() => 'café');
    const typed = await sent(() => ({ status: 200, headers: { 'x-a': '1' }, body: 'café' }));

    // Assert
    expect(data.core.headers).toEqual({ 'content-type': 'application/json' });
    expect(text.core.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
    expect(typed.core.headers).toEqual({ 'x-a': '1', 'content-type': 'text/plain; charset=utf-8' });
  });
});
