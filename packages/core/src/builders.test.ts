import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { changes, events, http, queue, schedule, storage, stream } from './builders.js';

const User = z.object({ name: z.string() });

/** What a definition from plain JavaScript may hold: anything, under any name. */
type Untyped = Record<string, unknown>;

/** A definition error of `kind` whose message contains each of `parts`. */
function refusal(kind: string, ...parts: string[]) {
  return expect.objectContaining({
    name: 'SkyportError',
    code: 'INVALID_DEFINITION',
    kind,
    message: expect.stringMatching(
      new RegExp(parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')),
    ),
  });
}

describe('builder options: unknown names', () => {
  it('refuses a body schema under another name, which would leave every body unvalidated', () => {
    // Act / Assert
    for (const key of ['schema', 'bodySchema', 'input']) {
      expect(() => http({ method: 'POST', path: '/users', [key]: User } as Untyped), key).toThrow(
        refusal('http', `http(): unknown option "${key}"`, 'body'),
      );
    }
  });

  it('names the option a misspelt one meant', () => {
    // Act / Assert
    expect(() => http({ methods: ['POST'], path: '/users' } as Untyped)).toThrow(
      refusal('http', 'http(): unknown option "methods" (did you mean "method"?)'),
    );
    expect(() => storage({ bucket: 'uploads', prefx: 'in/' } as Untyped as { bucket: string })).toThrow(
      refusal('storage', 'storage(): unknown option "prefx" (did you mean "prefix"?)'),
    );
    expect(() => events({ types: ['order.created'] } as Untyped)).toThrow(
      refusal('events', 'events(): unknown option "types" (did you mean "type"?)'),
    );
    expect(() => schedule({ cron: '0 3 * * *', timeZone: 'Europe/Paris' } as Untyped as { cron: string })).toThrow(
      refusal('schedule', 'schedule(): unknown option "timeZone" (did you mean "timezone"?)'),
    );
  });

  it('lists the options of the kind when no name is close', () => {
    // Act / Assert
    expect(() => storage({ bucket: 'uploads', events: ['deleted'] } as Untyped as { bucket: string })).toThrow(
      refusal('storage', 'unknown option "events"', 'known options: bucket, on, prefix, suffix, description, aws'),
    );
    expect(() => queue({ name: 'orders', batchSize: 10 } as Untyped as { name: string })).toThrow(
      refusal('queue', 'unknown option "batchSize"'),
    );
    expect(() => stream({ name: 'clicks', ordered: true } as Untyped as { name: string })).toThrow(
      refusal('stream', 'unknown option "ordered"'),
    );
    expect(() => changes({ collection: 'orders', table: 'orders' } as Untyped as { collection: string })).toThrow(
      refusal('changes', 'unknown option "table"'),
    );
  });

  it('takes every option each kind documents, the settings of each cloud included', () => {
    // Prepare
    const base = { description: 'd', aws: {}, azure: { connection: 'Bus' }, gcp: {} };

    // Act / Assert
    expect(() =>
      http({
        ...base,
        method: ['GET', 'POST'],
        path: '/users/:id',
        body: User,
        query: z.object({}),
        params: z.object({ id: z.string() }),
        headers: z.object({}),
        response: User,
        bodyLimit: 1024,
        stream: false,
      }),
    ).not.toThrow();
    expect(() => queue({ ...base, name: 'q', body: User, fifo: true, concurrency: 1 })).not.toThrow();
    expect(() => stream({ ...base, name: 's', body: User })).not.toThrow();
    expect(() => storage({ ...base, bucket: 'b', on: ['created'], prefix: 'in/', suffix: '.jpg' })).not.toThrow();
    expect(() => schedule({ ...base, cron: '0 3 * * *', timezone: 'Europe/Paris', name: 'nightly' })).not.toThrow();
    expect(() => changes({ ...base, collection: 'c', item: User })).not.toThrow();
    expect(() => events({ ...base, type: 'a', source: 's', data: User })).not.toThrow();
    expect(() => http({ path: '/a', method: undefined, body: undefined })).not.toThrow();
  });
});

describe('builder options: values of the wrong type', () => {
  it('refuses options that are no object, a path given for them included', () => {
    // Act / Assert
    expect(() => http('/users' as unknown as Untyped)).toThrow(refusal('http', 'write http({ path: "/users" })'));
    expect(() => http(null as unknown as Untyped)).toThrow(refusal('http', 'options must be an object, got null'));
    expect(() => queue('orders' as unknown as { name: string })).toThrow(
      refusal('queue', 'options must be an object, got a string'),
    );
    expect(() => events([] as unknown as Untyped)).toThrow(refusal('events', 'got an array'));
  });

  it('refuses required options left out with the definition error, not a TypeError', () => {
    // Act / Assert
    expect(() => queue(undefined as unknown as { name: string })).toThrow(refusal('queue', 'needs a non-empty "name"'));
    expect(() => storage(undefined as unknown as { bucket: string })).toThrow(refusal('storage', '"bucket"'));
  });

  it('refuses a method that is no method name or list of them', () => {
    // Act / Assert
    for (const method of [5, null, {}, true]) {
      expect(() => http({ method } as Untyped), String(method)).toThrow(refusal('http', 'http() method must be'));
    }
    expect(() => http({ method: ['GET', 5] } as Untyped)).toThrow(refusal('http', 'http() method 5 is not supported'));
  });

  it('refuses a path that is no string, or names parameters in braces', () => {
    // Act / Assert
    expect(() => http({ path: 5 } as Untyped)).toThrow(refusal('http', 'http() path must be a string', 'got 5'));
    expect(() => http({ path: '/users/{id}' })).toThrow(refusal('http', '"/users/{id}"', 'write "/users/:id"'));
    expect(() => http({ path: '/orders/{orderId}/items/{itemId}' })).toThrow(
      refusal('http', 'write "/orders/:orderId/items/:itemId"'),
    );
    expect(() => http({ path: '/files/{proxy+}' })).toThrow(refusal('http', 'write "/files/*"'));
  });

  it('refuses a storage prefix or suffix that is not one string', () => {
    // Act / Assert
    expect(() => storage({ bucket: 'b', prefix: ['in/', 'up/'] } as Untyped as { bucket: string })).toThrow(
      refusal('storage', 'storage() prefix must be one string', 'got an array'),
    );
    expect(() => storage({ bucket: 'b', prefix: /^in\// } as Untyped as { bucket: string })).toThrow(
      refusal('storage', 'storage() prefix must be one string', 'got a RegExp'),
    );
    expect(() => storage({ bucket: 'b', suffix: ['.jpg'] } as Untyped as { bucket: string })).toThrow(
      refusal('storage', 'storage() suffix must be one string'),
    );
  });

  it('refuses a description, cloud settings, fifo, timezone or schedule name of the wrong type', () => {
    // Act / Assert
    expect(() => queue({ name: 'q', description: 5 } as Untyped as { name: string })).toThrow(
      refusal('queue', 'queue() description must be a string'),
    );
    for (const cloud of ['aws', 'azure', 'gcp']) {
      for (const settings of [null, 'x', ['a']]) {
        expect(() => events({ [cloud]: settings } as Untyped), `${cloud} ${String(settings)}`).toThrow(
          refusal('events', `events() ${cloud} must be an object`),
        );
      }
    }
    expect(() => queue({ name: 'q', fifo: 'true' } as Untyped as { name: string })).toThrow(
      refusal('queue', 'queue() fifo must be true or false, got "true"'),
    );
    expect(() => schedule({ cron: '0 3 * * *', timezone: 1 } as Untyped as { cron: string })).toThrow(
      refusal('schedule', 'schedule() timezone must be an IANA time zone', 'got 1'),
    );
    expect(() => schedule({ cron: '0 3 * * *', name: '' })).toThrow(
      refusal('schedule', 'schedule() name must be a non-empty string'),
    );
  });
});
