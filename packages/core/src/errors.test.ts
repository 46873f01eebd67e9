import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  Conflict,
  HttpError,
  InternalServerError,
  NotFound,
  problemDetails,
  SkyportError,
  statusText,
  toHttpError,
  Unauthorized,
  withHeaders,
} from './errors.js';
import { problemResponse } from './http/response.js';

describe('HttpError', () => {
  it('exposes detail below 500 and takes the status phrase as title', () => {
    const error = new Conflict('order already shipped', { code: 'SHIPPED' });

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(Conflict);
    expect(error.name).toBe('Conflict');
    expect(error.status).toBe(409);
    expect(error.title).toBe('Conflict');
    expect(error.expose).toBe(true);
    expect(problemDetails(error, 'req-1')).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'order already shipped',
      requestId: 'req-1',
      code: 'SHIPPED',
    });
  });

  it('adds extension members at the top level, never over a member of its own, and only when exposed', () => {
    // Prepare
    const extensions = { existingId: 'ord_7', balance: 30, status: 200, requestId: 'forged', type: 'x' };
    const conflict = new Conflict('order exists', { extensions });
    const hidden = new InternalServerError('db down', { extensions: { host: 'db-1.internal' } });

    // Act
    const shown = problemDetails(conflict, 'req-1');
    const kept = problemDetails(withHeaders(conflict, { 'x-a': '1' }), 'req-1');

    // Assert
    expect(shown).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'order exists',
      requestId: 'req-1',
      existingId: 'ord_7',
      balance: 30,
    });
    expect(kept).toEqual(shown);
    expect(problemDetails(hidden, 'r')).not.toHaveProperty('host');
  });

  it('sends RFC 9457 instance, given as an option, when exposed, and keeps it on every copy', () => {
    // Prepare
    const conflict = new Conflict('order exists', { instance: '/orders/7', extensions: { instance: '/forged' } });
    const hidden = new InternalServerError('db down', { instance: '/orders/7' });
    const shown = new InternalServerError('db down', { instance: '/orders/7', expose: true });
    const otherCopy = Object.assign(Object.create({ [Symbol.for('skyport.error.v1')]: 'HttpError' }), {
      status: 409,
      detail: 'order exists',
      instance: '/orders/7',
    });
    const unwritable = new Conflict('order exists', {
      instance: '/orders/7',
      extensions: {
        broken: {
          toJSON() {
            throw new Error('no');
          },
        },
      },
    });

    // Act
    const problem = problemDetails(conflict, 'req-1');
    const copies = [withHeaders(conflict, { 'x-a': '1' }), toHttpError(otherCopy)];
    const fallback = JSON.parse(problemResponse(unwritable, 'req-1').body as string) as Record<string, unknown>;

    // Assert
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'order exists',
      instance: '/orders/7',
      requestId: 'req-1',
    });
    expect(Object.keys(problem).slice(0, 5)).toEqual(['type', 'title', 'status', 'detail', 'instance']);
    expect(conflict.instance).toBe('/orders/7');
    for (const copy of copies) expect(problemDetails(copy, 'req-1')).toMatchObject({ instance: '/orders/7' });
    expect(problemDetails(hidden, 'r')).not.toHaveProperty('instance');
    expect(problemDetails(shown, 'r')).toMatchObject({ instance: '/orders/7' });
    expect(fallback).toMatchObject({ instance: '/orders/7' });
  });

  it('hides the detail of server errors unless told to expose it', () => {
    const hidden = new InternalServerError('database password is hunter2');
    const shown = new HttpError(503, 'maintenance until 10:00', { expose: true });

    expect(problemDetails(hidden, 'r')).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      requestId: 'r',
    });
    expect(problemDetails(shown, 'r').detail).toBe('maintenance until 10:00');
  });

  it('renders problem+json with the error headers', () => {
    const response = problemResponse(
      new Unauthorized('token expired', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } }),
      'abc',
    );

    expect(response.status).toBe(401);
    expect(response.headers).toEqual({
      'www-authenticate': 'Bearer error="invalid_token"',
      'content-type': 'application/problem+json',
    });
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'token expired',
      requestId: 'abc',
    });
  });

  it('keeps the cause and custom type/title', () => {
    const cause = new Error('low level');
    const error = new BadRequest('bad cursor', { cause, type: 'https://errors.example/cursor', title: 'Bad cursor' });

    expect(error.cause).toBe(cause);
    expect(problemDetails(error, undefined)).toEqual({
      type: 'https://errors.example/cursor',
      title: 'Bad cursor',
      status: 400,
      detail: 'bad cursor',
    });
  });
});

describe('toHttpError', () => {
  it('passes HttpErrors through and hides anything else behind a 500', () => {
    const notFound = new NotFound('x');
    const secret = new TypeError('cannot read properties of undefined (reading "password")');

    expect(toHttpError(notFound)).toBe(notFound);
    const wrapped = toHttpError(secret);
    expect(wrapped.status).toBe(500);
    expect(wrapped.cause).toBe(secret);
    expect(JSON.stringify(problemDetails(wrapped, 'r'))).not.toContain('password');
    expect(toHttpError('a string').status).toBe(500);
    expect(toHttpError(undefined).status).toBe(500);
  });

  it('maps validation and timeout SkyportErrors to 422 and 504', () => {
    const validation = new SkyportError('VALIDATION', 'invalid body', {
      errors: [{ path: 'body.qty', message: 'too small' }],
    });

    expect(toHttpError(validation).status).toBe(422);
    expect(toHttpError(validation).errors).toEqual([{ path: 'body.qty', message: 'too small' }]);
    expect(toHttpError(new SkyportError('TIMEOUT', 'late')).status).toBe(504);
    expect(toHttpError(new SkyportError('UNKNOWN_EVENT', 'what is this')).status).toBe(500);
  });

  it('takes the status, message and headers of an http-errors error (middy createError), and nothing from other errors', () => {
    // Prepare: the shape `http-errors` and `@middy/util`'s createError give their errors.
    const httpErrors = (status: number, message: string, more: Record<string, unknown> = {}) =>
      Object.assign(new Error(message), { status, statusCode: status, expose: status < 500, ...more });
    const notFound = httpErrors(404, 'no order 7');
    const unauthorized = httpErrors(401, 'token expired', {
      headers: { 'WWW-Authenticate': 'Bearer', 'Retry-After': 120 },
    });
    const broken = httpErrors(503, 'the database password is wrong');
    const sdk = Object.assign(new Error('throttled'), { statusCode: 400 });

    // Act
    const [a, b, c, d] = [notFound, unauthorized, broken, sdk].map((error) => toHttpError(error));

    // Assert
    expect([a?.status, a?.expose, problemDetails(a as HttpError, 'r').detail]).toEqual([404, true, 'no order 7']);
    expect([b?.status, b?.headers]).toEqual([401, { 'WWW-Authenticate': 'Bearer', 'Retry-After': '120' }]);
    expect([c?.status, problemDetails(c as HttpError, 'r').detail]).toEqual([503, undefined]);
    expect(d?.status).toBe(500);
  });

  it('adds headers to a copy without losing the problem fields', () => {
    const original = new NotFound('gone', { code: 'GONE' });
    const copy = withHeaders(original, { 'access-control-allow-origin': '*' });

    expect(copy.status).toBe(404);
    expect(copy.code).toBe('GONE');
    expect(copy.headers).toEqual({ 'access-control-allow-origin': '*' });
    expect(original.headers).toEqual({});
  });
});

describe('statusText', () => {
  it('names known codes and classes unknown ones', () => {
    expect(statusText(422)).toBe('Unprocessable Content');
    expect(statusText(499)).toBe('Client Error');
    expect(statusText(599)).toBe('Server Error');
  });

  it('gives every status an HttpError takes the registered reason phrase as its title', () => {
    // Prepare
    const registered: Record<number, string> = {
      300: 'Multiple Choices',
      301: 'Moved Permanently',
      302: 'Found',
      303: 'See Other',
      304: 'Not Modified',
      305: 'Use Proxy',
      307: 'Temporary Redirect',
      308: 'Permanent Redirect',
      407: 'Proxy Authentication Required',
      411: 'Length Required',
      414: 'URI Too Long',
      416: 'Range Not Satisfiable',
      417: 'Expectation Failed',
      421: 'Misdirected Request',
      423: 'Locked',
      424: 'Failed Dependency',
      425: 'Too Early',
      426: 'Upgrade Required',
      428: 'Precondition Required',
      429: 'Too Many Requests',
      431: 'Request Header Fields Too Large',
      451: 'Unavailable For Legal Reasons',
      505: 'HTTP Version Not Supported',
      506: 'Variant Also Negotiates',
      507: 'Insufficient Storage',
      508: 'Loop Detected',
      510: 'Not Extended',
      511: 'Network Authentication Required',
    };

    // Act
    const titles = Object.keys(registered).map((code) => [code, new HttpError(Number(code)).title]);

    // Assert
    expect(Object.fromEntries(titles)).toEqual(registered);
    expect(new HttpError(303, 'see', { headers: { location: '/other' } }).title).toBe('See Other');
    expect(statusText(306)).toBe('Redirection');
    expect(statusText(418)).toBe('Client Error');
  });
});
