/**
 * docs/concepts.md, "Functions": the builders table, Standard Schema validators, the filters of
 * `storage()` and `events()`, and per-cloud keys.
 */
import { acceptedSources } from '@skyport/aws';
import { type AnyFunction, register } from '@skyport/azure';
import { changes, events, http, type Kind, queue, schedule, storage, stream } from '@skyport/core';
import {
  changeEvent,
  cloudEvent,
  httpRequest,
  invoke,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from '@skyport/testing';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getUser, onSignup, onUpload, shipOrder } from '../../concepts/functions.js';
import { recordingApp } from '../azure/helpers.js';

describe('a function is an inert value', () => {
  it('runs nothing when built: the handler runs only when something invokes it', async () => {
    let calls = 0;
    const fn = queue({ name: 'q' }).handle(() => {
      calls++;
    });
    expect(fn.kind).toBe('queue');
    expect(calls).toBe(0);
    await invoke(fn, message());
    expect(calls).toBe(1);
  });
});

describe('the builders table: what each handler sees', () => {
  it('http: HttpRequest; queue: one Message at a time; stream: records in order', async () => {
    const got: unknown[] = [];
    await invoke(
      http({ method: 'GET', path: '/x' }).handle((req) => {
        got.push(['http', req.method, req.path]);
      }),
      httpRequest({ path: '/x' }),
    );
    await invoke(
      queue({ name: 'q' }).handle((msg) => {
        got.push(['queue', msg.id]);
      }),
      [message({ id: 'm1' }), message({ id: 'm2' })],
    );
    await invoke(
      stream({ name: 's' }).handle((record) => {
        got.push(['stream', record.sequence]);
      }),
      [streamRecord({ sequence: '1' }), streamRecord({ sequence: '2' })],
    );
    expect(got).toEqual([
      ['http', 'GET', '/x'],
      ['queue', 'm1'],
      ['queue', 'm2'],
      ['stream', '1'],
      ['stream', '2'],
    ]);
  });

  it('storage, schedule, changes and events see their own event shapes', async () => {
    const got: unknown[] = [];
    await invoke(
      storage({ bucket: 'b' }).handle((o) => void got.push(o.type)),
      storageEvent({ type: 'deleted' }),
    );
    await invoke(
      schedule({ cron: '0 3 * * *', name: 'nightly' }).handle((t) => void got.push(t.name)),
      scheduleTick({ name: 'nightly' }),
    );
    await invoke(
      changes({ collection: 'c' }).handle((c) => void got.push(c.op)),
      changeEvent({ op: 'insert', after: { id: 1 } }),
    );
    await invoke(
      events().handle((e) => void got.push(e.type)),
      cloudEvent({ type: 'user.created' }),
    );
    expect(got).toEqual(['deleted', 'nightly', 'insert', 'user.created']);
  });

  it('the getUser example: 200 application/json, or a 404', async () => {
    const missing = await invoke(getUser, httpRequest({ path: '/users/7' }));
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
  });

  it('triggered by: the AWS sources each kind accepts', () => {
    const expected: Record<Kind, string[]> = {
      http: ['apigw-v2', 'function-url', 'apigw-v1', 'alb'],
      queue: ['sqs', 'sns'],
      stream: ['kinesis', 'dynamodb'],
      storage: ['s3', 's3-eventbridge'],
      schedule: ['scheduled'],
      changes: ['dynamodb'],
      events: ['eventbridge', 'scheduled', 's3-eventbridge'],
    };
    expect(acceptedSources).toEqual(expected);
  });

  it('triggered by: the Azure triggers each kind registers on', () => {
    const { app, calls } = recordingApp();
    const noop = () => undefined;
    const fns: Record<string, AnyFunction> = {
      http: http({ path: '/' }).handle(noop),
      storageQueue: queue({ name: 'q' }).handle(noop),
      serviceBus: queue({ name: 'q', fifo: true }).handle(noop),
      eventHub: stream({ name: 's' }).handle(noop),
      blob: storage({ bucket: 'b', on: ['created'] }).handle(noop),
      eventGridBlob: storage({ bucket: 'b' }).handle(noop),
      timer: schedule({ cron: '0 3 * * *' }).handle(noop),
      cosmos: changes({ collection: 'c', azure: { database: 'd' } }).handle(noop),
      eventGrid: events().handle(noop),
    };
    register(app, fns);
    expect(calls.map((c) => c.method)).toEqual([
      'http',
      'storageQueue',
      'serviceBusQueue',
      'eventHub',
      'storageBlob',
      'eventGrid',
      'timer',
      'cosmosDB',
      'eventGrid',
    ]);
  });
});

describe('schemas: any Standard Schema v1 validator', () => {
  const post = (body: unknown) => httpRequest({ method: 'POST', path: '/o', body });

  it('zod, valibot and arktype validate the body and type the handler', async () => {
    const schemas = [
      z.object({ qty: z.number().int().positive() }),
      v.object({ qty: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
      type({ qty: 'number.integer > 0' }),
    ];
    for (const body of schemas) {
      const fn = http({ method: 'POST', path: '/o', body }).handle((req) => ({ double: req.body.qty * 2 }));
      expect((await invoke(fn, post({ qty: 2 }))).body).toEqual({ double: 4 });
      const bad = await invoke(fn, post({ qty: 0 }));
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ code: 'VALIDATION', errors: [expect.objectContaining({ path: 'body.qty' })] });
    }
  });

  it('the inferred output flows into the handler (zod defaults applied)', async () => {
    const fn = http({ method: 'POST', path: '/o', body: z.object({ done: z.boolean().default(false) }) }).handle(
      (req) => ({ done: req.body.done }),
    );
    expect((await invoke(fn, post({}))).body).toEqual({ done: false });
  });

  it('the shipOrder example: a message failing its schema fails', async () => {
    const out = await invoke(shipOrder, message({ id: 'bad', body: { orderId: 1 } }));
    expect(out.failures.map((f) => f.id)).toEqual(['bad']);
  });
});

describe('storage() and events() filter', () => {
  it('acknowledge an object of another type, prefix or suffix without running the handler', async () => {
    let runs = 0;
    const fn = storage({ bucket: 'b', on: ['created'], prefix: 'in/', suffix: '.png' }).handle(() => {
      runs++;
    });
    for (const event of [
      storageEvent({ type: 'deleted', key: 'in/a.png' }),
      storageEvent({ key: 'out/a.png' }),
      storageEvent({ key: 'in/a.jpg' }),
    ]) {
      expect(await invoke(fn, event)).toEqual({ ok: true, failures: [] });
    }
    expect(runs).toBe(0);
    await invoke(fn, storageEvent({ key: 'in/a.png' }));
    expect(runs).toBe(1);
  });

  it('acknowledge an event of another type or source without running the handler', async () => {
    let runs = 0;
    const fn = events({ type: ['a', 'b'], source: '/shop' }).handle(() => {
      runs++;
    });
    expect(await invoke(fn, cloudEvent({ type: 'c', source: '/shop' }))).toEqual({ ok: true, failures: [] });
    expect(await invoke(fn, cloudEvent({ type: 'a', source: '/other' }))).toEqual({ ok: true, failures: [] });
    expect(runs).toBe(0);
    await invoke(fn, cloudEvent({ type: 'b', source: '/shop' }));
    expect(runs).toBe(1);
  });

  it('the onUpload and onSignup examples filter too', async () => {
    expect(await invoke(onUpload, storageEvent({ bucket: 'uploads', key: 'a.gif' }))).toEqual({
      ok: true,
      failures: [],
    });
    expect(await invoke(onSignup, cloudEvent({ type: 'user.deleted', data: {} }))).toEqual({ ok: true, failures: [] });
  });
});

describe('per-cloud keys', () => {
  it('the azure key of the example is read by @skyport/azure', () => {
    const { app, calls } = recordingApp();
    register(app, {
      orders: queue({ name: 'orders', azure: { connection: 'ServiceBus', trigger: 'serviceBusQueue' } }).handle(
        () => undefined,
      ),
    });
    expect(calls[0]).toMatchObject({ method: 'serviceBusQueue', options: { connection: 'ServiceBus' } });
  });
});
