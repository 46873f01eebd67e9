import { type Message, queue, SkyportError } from '@skyport/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fixture, fromRpcMetadata, invocation } from '../test/helpers.js';
import { BatchFailedError } from './errors.js';
import { toAzure } from './handler.js';

type Rpc = Record<string, Record<string, unknown>>;

function recorder(options: { name: string; fifo?: boolean }, fail: (msg: Message) => boolean = () => false) {
  const seen: Message[] = [];
  const fn = queue(options).handle((msg) => {
    seen.push(msg);
    if (fail(msg)) throw new Error(`cannot handle ${msg.id}`);
  });
  return { fn, seen };
}

describe('toAzure: Storage Queue', () => {
  it('v4 metadata in the fixture is what the library makes of the host metadata', () => {
    const rpc = fixture<Rpc>('queue/azure-functions-nodejs-library__queueTrigger.trigger-metadata.rpc.json');
    const v4 = fixture('queue/azure-functions-nodejs-library__queueTrigger.trigger-metadata.v4.json');
    expect(fromRpcMetadata(rpc)).toEqual(v4);
  });

  it('maps a queue message (fixture): id, parsed body, dequeueCount as attempt, insertion time', async () => {
    // Prepare
    const metadata = fixture<Record<string, unknown>>(
      'queue/azure-functions-nodejs-library__queueTrigger.trigger-metadata.v4.json',
    );
    const seen: Message[] = [];
    const fn = queue({ name: 'hello', body: z.object({ name: z.string() }) }).handle((msg) => {
      seen.push(msg);
    });
    const { context } = invocation({ triggerMetadata: metadata });

    // Act
    const result = await toAzure(fn)(metadata.queueTrigger, context);

    // Assert
    expect(result).toBeUndefined();
    expect(seen).toHaveLength(1);
    const msg = seen[0] as Message;
    expect(msg.id).toBe('814b3b66-0200-4121-8ef3-405846a124bf');
    expect(msg.body).toEqual({ name: 'world' });
    expect(new TextDecoder().decode(msg.rawBody)).toBe('{"name":"world"}');
    expect(msg.attempt).toBe(1);
    expect(msg.publishedAt.toISOString()).toBe('2022-08-25T05:06:39.000Z');
    expect(msg.source).toBe('hello');
    expect(msg.attributes).toEqual({});
  });

  it('keeps a body that is not JSON as text (custom handler sample, fixture)', async () => {
    // Prepare
    const sample = fixture<{ Data: { myQueueItem: string }; Metadata: Record<string, unknown> }>(
      'queue/azure-docs__custom-handler-queue-request.json',
    );
    const metadata = Object.fromEntries(
      Object.entries(sample.Metadata).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]),
    );
    const { fn, seen } = recorder({ name: 'q' });

    // Act
    await toAzure(fn)(sample.Data.myQueueItem, invocation({ triggerMetadata: metadata }).context);

    // Assert
    expect(seen[0]?.body).toBe('{ message: "Message sent" }');
    expect(seen[0]?.id).toBe('800ae4b3-bdd2-4c08-badd-f08e5a34b865');
    expect(seen[0]?.publishedAt.toISOString()).toBe('2019-10-09T17:58:31.000Z');
  });

  it('throws HANDLER_FAILED carrying the failure so the host retries, and logs it to the context', async () => {
    // Prepare
    const { fn } = recorder({ name: 'q' }, () => true);
    const { context, logs } = invocation({ triggerMetadata: { id: 'm-1', dequeueCount: 3 } });

    // Act
    const outcome = toAzure(fn)('payload', context);

    // Assert
    await expect(outcome).rejects.toBeInstanceOf(BatchFailedError);
    const error = (await outcome.catch((e: unknown) => e)) as BatchFailedError;
    expect(error).toMatchObject({ code: 'HANDLER_FAILED', adapter: 'azure', kind: 'queue', shape: 'queueTrigger' });
    expect(error.failures).toEqual([{ id: 'm-1', error: expect.any(Error), skipped: false }]);
    expect((error.cause as Error).message).toBe('cannot handle m-1');
    expect(logs.map((l) => [l.level, l.line.messageId])).toEqual([['error', 'm-1']]);
  });

  it('fails a message whose body does not match the schema (retried, then poisoned by the host)', async () => {
    // Prepare
    const fn = queue({ name: 'q', body: z.object({ orderId: z.string() }) }).handle(() => undefined);

    // Act
    const outcome = toAzure(fn)({ order: 1 }, invocation({ triggerMetadata: { id: 'm-2' } }).context);

    // Assert
    const error = (await outcome.catch((e: unknown) => e)) as BatchFailedError;
    expect(error).toBeInstanceOf(BatchFailedError);
    expect(error.failures[0]?.error).toMatchObject({ code: 'VALIDATION' });
  });
});

describe('toAzure: Service Bus', () => {
  it('v4 metadata in the fixture is what the library makes of the host metadata', () => {
    const rpc = fixture<Rpc>('servicebus/azure-functions-nodejs-library__serviceBusTrigger.trigger-metadata.rpc.json');
    const v4 = fixture('servicebus/azure-functions-nodejs-library__serviceBusTrigger.trigger-metadata.v4.json');
    expect(fromRpcMetadata(rpc)).toEqual(v4);
  });

  it('maps a topic message (fixture): messageId, deliveryCount, enqueued time, user properties', async () => {
    // Prepare
    const metadata = fixture<Record<string, unknown>>(
      'servicebus/azure-functions-nodejs-library__serviceBusTrigger.trigger-metadata.v4.json',
    );
    const { fn, seen } = recorder({ name: 'ignored' });
    const { context } = invocation({
      triggerMetadata: metadata,
      options: {
        trigger: {
          type: 'serviceBusTrigger',
          name: 'message',
          topicName: 'helloWorldTopic',
          subscriptionName: 'helloWorldSub',
        },
      },
    });

    // Act
    await toAzure(fn)('hello world', context);

    // Assert
    const msg = seen[0] as Message;
    expect(msg.id).toBe('a11f788b439b4c5daa6a9f173bf78d68');
    expect(msg.body).toBe('hello world');
    expect(msg.attempt).toBe(1);
    expect(msg.publishedAt.toISOString()).toBe('2022-08-25T05:06:39.775Z');
    expect(msg.attributes).toEqual({ $AzureWebJobsParentId: '4cad516d-0081-4fa8-8ddb-2f898c664d2b' });
    expect(msg.source).toBe('helloWorldTopic/helloWorldSub');
    expect(msg.groupId).toBeUndefined();
  });

  it("names a topic message's source <function name>/<subscription> when only azure.subscription is set, as register() does", async () => {
    // Prepare: a context whose trigger does not name the topic (invokeAzure, a hand-made one)
    const seen: Message[] = [];
    const fn = queue({ name: 'notify', azure: { subscription: 'mailer' } }).handle((msg) => {
      seen.push(msg);
    });
    const { context } = invocation({
      triggerMetadata: { messageId: 'm-1', deliveryCount: 1 },
      options: { trigger: { type: 'serviceBusTrigger', name: 'message' } },
    });

    // Act
    await toAzure(fn)('hello', context);

    // Assert
    expect(seen.map((msg) => msg.source)).toEqual(['notify/mailer']);

    // A FIFO function with a subscription is a session-enabled topic subscription for register()
    const fifo: Message[] = [];
    const sessions = queue({ name: 'notify', fifo: true, azure: { subscription: 'mailer' } }).handle((msg) => {
      fifo.push(msg);
    });
    await toAzure(sessions)('hello', context);
    expect(fifo.map((msg) => msg.source)).toEqual(['notify/mailer']);
  });

  it('runs every message of a many batch and throws listing only the failed one', async () => {
    // Prepare
    const { fn, seen } = recorder({ name: 'orders' }, (msg) => msg.id === 'm2');
    const metadata = {
      messageIdArray: ['m1', 'm2', 'm3'],
      deliveryCountArray: [1, 4, 1],
      enqueuedTimeUtcArray: ['2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'],
      applicationPropertiesArray: [{ tenant: 'a', n: 1 }, {}, { flag: true }],
    };
    const { context } = invocation({ triggerMetadata: metadata });

    // Act
    const outcome = toAzure(fn)([{ n: 1 }, { n: 2 }, 'three'], context);

    // Assert
    const error = (await outcome.catch((e: unknown) => e)) as BatchFailedError;
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([['m2', false]]);
    expect(seen.map((m) => [m.id, m.attempt, m.body])).toEqual([
      ['m1', 1, { n: 1 }],
      ['m2', 4, { n: 2 }],
      ['m3', 1, 'three'],
    ]);
    expect(seen[0]?.attributes).toEqual({ tenant: 'a', n: '1' });
    expect(seen[2]?.attributes).toEqual({ flag: 'true' });
  });

  it('holds back the rest of a session after a failure (FIFO)', async () => {
    // Prepare
    const { fn, seen } = recorder({ name: 'orders', fifo: true }, (msg) => msg.id === 'm1');
    const metadata = { messageIdArray: ['m1', 'm2', 'm3'], sessionIdArray: ['s1', 's1', 's2'] };
    const { context } = invocation({
      triggerMetadata: metadata,
      options: { trigger: { type: 'serviceBusTrigger', name: 'm', queueName: 'orders', cardinality: 'many' } },
    });

    // Act
    const error = (await toAzure(fn)(['a', 'b', 'c'], context).catch((e: unknown) => e)) as BatchFailedError;

    // Assert
    expect(error.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['m1', false],
      ['m2', true],
    ]);
    expect(seen.map((m) => [m.id, m.groupId])).toEqual([
      ['m1', 's1'],
      ['m3', 's2'],
    ]);
  });

  it('refuses a many batch that is not an array, and a trigger of another kind', async () => {
    // Prepare
    const { fn } = recorder({ name: 'q' });
    const many = invocation({
      options: { trigger: { type: 'serviceBusTrigger', name: 'm', cardinality: 'many' } },
    }).context;
    const timer = invocation({ options: { trigger: { type: 'timerTrigger', name: 't' } } }).context;

    // Act + Assert
    await expect(toAzure(fn)('single', many)).rejects.toMatchObject({ code: 'INVALID_EVENT' });
    await expect(toAzure(fn)({ isPastDue: false }, timer)).rejects.toMatchObject({
      code: 'KIND_MISMATCH',
      shape: 'timerTrigger',
    });
    await expect(toAzure(fn)('single', many)).rejects.toBeInstanceOf(SkyportError);
  });
});

describe('toAzure: a queue named by an app setting', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('resolves %NAME% in the source from the environment, as the host does, and keeps an unset one', async () => {
    // Prepare
    vi.stubEnv('ORDERS_QUEUE', 'orders-prod');
    vi.stubEnv('EVENTS_TOPIC', 'events-prod');
    vi.stubEnv('Queues__Audit', 'audit-prod');
    const seen: Message[] = [];
    const push = (msg: Message) => {
      seen.push(msg);
    };
    const storageQueue = queue({ name: 'orders', azure: { queueName: '%ORDERS_QUEUE%' } }).handle(push);
    const topic = queue({ name: 'events', azure: { subscription: 'mailer' } }).handle(push);
    const unset = queue({ name: 'orders', azure: { queueName: '%NOT_SET_ANYWHERE%' } }).handle(push);
    const otherCase = queue({ name: 'orders', azure: { queueName: '%orders_queue%' } }).handle(push);
    const section = queue({ name: 'audit', azure: { queueName: '%queues:audit%' } }).handle(push);
    const inherited = queue({ name: 'orders', azure: { queueName: '%toString%' } }).handle(push);
    const declared = (trigger: { type: string } & Record<string, unknown>, triggerMetadata: Record<string, unknown>) =>
      invocation({ triggerMetadata, options: { trigger: { name: 'message', ...trigger } } }).context;

    // Act
    await toAzure(storageQueue)('a', declared({ type: 'queueTrigger' }, { dequeueCount: 1 }));
    await toAzure(topic)(
      'b',
      declared(
        { type: 'serviceBusTrigger', topicName: '%EVENTS_TOPIC%', subscriptionName: 'mailer' },
        { messageId: 'm-1', deliveryCount: 1 },
      ),
    );
    await toAzure(unset)('c', declared({ type: 'queueTrigger' }, { dequeueCount: 1 }));
    for (const fn of [otherCase, section, inherited]) {
      await toAzure(fn)('d', declared({ type: 'queueTrigger' }, { dequeueCount: 1 }));
    }

    // Assert: names match whatever their case, `:` reads `__`, and only settings count
    expect(seen.map((msg) => msg.source)).toEqual([
      'orders-prod',
      'events-prod/mailer',
      '%NOT_SET_ANYWHERE%',
      'orders-prod',
      'audit-prod',
      '%toString%',
    ]);
  });
});

describe('toAzure: a Service Bus batch bound as bytes (dataType binary)', () => {
  it('parses each message from its bytes: JSON when it parses, else text', async () => {
    // Prepare
    const seen: Message[] = [];
    const fn = queue({ name: 'orders', azure: { trigger: 'serviceBusQueue', cardinality: 'many' } }).handle((msg) => {
      seen.push(msg);
    });
    const { context } = invocation({
      triggerMetadata: { messageIdArray: ['m-1', 'm-2'], deliveryCountArray: [1, 1] },
      options: { trigger: { type: 'serviceBusTrigger', name: 'messages', queueName: 'orders', cardinality: 'many' } },
    });

    // Act
    await toAzure(fn)([Buffer.from('{"orderId":"ord_1"}'), Buffer.from('plain text')], context);

    // Assert
    expect(seen.map((msg) => [msg.id, msg.body])).toEqual([
      ['m-1', { orderId: 'ord_1' }],
      ['m-2', 'plain text'],
    ]);
  });
});
