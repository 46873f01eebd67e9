import { type Logger, type Message, queue } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { fixture } from '../test/helpers.js';
import { libraryInvocation, type RpcTypedData } from '../test/library.js';
import { toAzure } from './handler.js';
import { CHANGED_SESSION_ID, serviceBusItems } from './service-bus.js';

type Rpc = Record<string, RpcTypedData>;

const hostMetadata = fixture<Rpc>(
  'servicebus/azure-functions-nodejs-library__serviceBusTrigger.trigger-metadata.rpc.json',
);

function recorder(cardinality: 'one' | 'many' = 'one') {
  const seen: Message[] = [];
  const fn = queue({ name: 'orders', azure: { trigger: 'serviceBusQueue', cardinality } }).handle((msg) => {
    seen.push(msg);
  });
  return { fn, seen };
}

/**
 * One message as the host sends it (the fixture's metadata with `changes`, less the keys in
 * `without`), through the real library.
 */
async function deliverOne(changes: Rpc, without: readonly string[] = []): Promise<Message> {
  const { fn, seen } = recorder();
  const metadata: Rpc = { ...hostMetadata, ...changes };
  for (const key of without) delete metadata[key];
  const { trigger, context } = await libraryInvocation({
    triggerType: 'serviceBusTrigger',
    triggerMetadata: metadata,
    input: { string: 'hello world' },
  });
  await toAzure(fn)(trigger, context);
  return seen[0] as Message;
}

/** Session ids whose text the library's JSON parse loses, and the text each is read as. */
const lostSessionIds: [string, string][] = [
  ['1234567890123456789', '1234567890123456800'],
  ['3.10', '3.1'],
  ['{"tenant":"a"}', '{"tenant":"a"}'],
  ['[1,2]', '[1,2]'],
];

/** A many batch of two messages of one session, as the host sends it. */
function sessionBatch(sessionId: string) {
  return {
    triggerType: 'serviceBusTrigger',
    binding: { dataType: 'binary' },
    triggerMetadata: {
      MessageIdArray: { collectionString: { string: ['m1', 'm2'] } },
      SessionIdArray: { collectionString: { string: [sessionId, sessionId] } },
      SequenceNumberArray: { collectionSint64: { sint64: [5, 6] } },
      DeliveryCountArray: { json: '[1,1]' },
    },
    input: { collectionBytes: { bytes: ['a', 'b'].map((text) => new TextEncoder().encode(text)) } },
  };
}

/** A logger keeping each call as [level, ...arguments]. */
function recordingLog(): { log: Logger; lines: unknown[][] } {
  const lines: unknown[][] = [];
  const at =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push([level, ...args]);
    };
  const log: Logger = {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => log,
  };
  return { log, lines };
}

describe('Service Bus ids the host sends as text that is JSON', () => {
  it('keeps message ids apart when the library parses them into numbers that lose digits', async () => {
    // Prepare: two messages whose ids a JSON parse turns into the same number
    const first = { MessageId: { string: '12345678901234567890' }, SequenceNumber: { json: '17' } };
    const second = { MessageId: { string: '12345678901234567891' }, SequenceNumber: { json: '18' } };

    // Act
    const a = await deliverOne(first);
    const b = await deliverOne(second);

    // Assert: the sequence number, exact and unique in the entity, stands for the lost text
    expect(a.id).toBe('sequence:17');
    expect(b.id).toBe('sequence:18');
  });

  it('gives back the text of a boolean or a plain integer, and stands the sequence number for a number in another form', async () => {
    expect((await deliverOne({ MessageId: { string: 'true' } })).id).toBe('true');
    expect((await deliverOne({ MessageId: { string: '42' } })).id).toBe('42');
    expect((await deliverOne({ MessageId: { string: '1.50' } })).id).toBe('sequence:17');
    expect((await deliverOne({ MessageId: { string: '{"a":1}' } })).id).toBe('sequence:17');
    expect((await deliverOne({ MessageId: { string: 'a11f788b439b4c5daa6a9f173bf78d68' } })).id).toBe(
      'a11f788b439b4c5daa6a9f173bf78d68',
    );
  });

  it('refuses a message whose id text is lost when no sequence number can stand for it', async () => {
    const outcome = deliverOne({ MessageId: { string: '12345678901234567890' } }, ['SequenceNumber']);
    await expect(outcome).rejects.toMatchObject({
      code: 'INVALID_EVENT',
      message: expect.stringContaining('messageId'),
    });
  });

  it('keeps a session id that parses to a boolean or plain integer', async () => {
    expect((await deliverOne({ SessionId: { string: 'true' } })).groupId).toBe('true');
    expect((await deliverOne({ SessionId: { string: '7' } })).groupId).toBe('7');
    expect((await deliverOne({ SessionId: { string: '0042' } })).groupId).toBe('0042');
  });

  it.each(lostSessionIds)(
    'processes a message whose session id %s the parse changed, grouped by the parsed text',
    async (sent, standIn) => {
      // Act
      const message = await deliverOne({ SessionId: { string: sent } });

      // Assert: the message runs (it is not refused until dead-lettered), keyed by the parsed value's text
      expect(message.groupId).toBe(standIn);
    },
  );

  it.each(lostSessionIds)(
    'processes every message of a many batch whose session id %s the parse changed',
    async (sent, standIn) => {
      // Prepare
      const { fn, seen } = recorder('many');
      const { trigger, context } = await libraryInvocation(sessionBatch(sent));

      // Act
      await toAzure(fn)(trigger, context);

      // Assert: one session, one stable group key for the invocation
      expect(seen.map((m) => [m.id, m.groupId, m.body])).toEqual([
        ['m1', standIn, 'a'],
        ['m2', standIn, 'b'],
      ]);
    },
  );

  it('writes one warn line per invocation naming the session id whose text the parse changed', async () => {
    // Prepare: a many batch of one session whose id the library parsed into an object
    const { trigger, context } = await libraryInvocation(sessionBatch('{"tenant":"a"}'));
    const { log, lines } = recordingLog();

    // Act
    const items = serviceBusItems(trigger, context.triggerMetadata, {
      source: 'orders',
      many: true,
      fallbackId: 'inv-1',
      log,
    });

    // Assert
    expect(items.map((item) => item.groupId)).toEqual(['{"tenant":"a"}', '{"tenant":"a"}']);
    expect(lines).toEqual([['warn', { field: 'sessionId', groupId: '{"tenant":"a"}' }, CHANGED_SESSION_ID]]);
    expect(CHANGED_SESSION_ID).toContain('@azure/functions');
  });

  it('writes the warning through toAzure to the invocation log', async () => {
    // Prepare
    const { fn } = recorder('many');
    const lines: string[][] = [];
    const { trigger, context } = await libraryInvocation(sessionBatch('{"tenant":"a"}'), (level, _, message) => {
      lines.push([level, message]);
    });

    // Act
    await toAzure(fn)(trigger, context);

    // Assert
    const warnings = lines.filter(([, message]) => message?.includes(CHANGED_SESSION_ID));
    expect(warnings.map(([level]) => level)).toEqual(['warning']);
  });

  it('writes no warning when the session id text came through', async () => {
    const { trigger, context } = await libraryInvocation(sessionBatch('0042'));
    const { log, lines } = recordingLog();

    serviceBusItems(trigger, context.triggerMetadata, { source: 'orders', many: true, fallbackId: 'inv-1', log });

    expect(lines).toEqual([]);
  });

  it('reads the ids of a many batch the same way, each from its own place', async () => {
    // Prepare: string arrays arrive as collectionString, every element parsed as JSON by the library
    const { fn, seen } = recorder('many');
    const { trigger, context } = await libraryInvocation({
      triggerType: 'serviceBusTrigger',
      binding: { dataType: 'binary' },
      triggerMetadata: {
        MessageIdArray: {
          collectionString: { string: ['12345678901234567890', '12345678901234567891', 'true', 'm-4'] },
        },
        SequenceNumberArray: { collectionSint64: { sint64: [5, 6, 7, 8] } },
        DeliveryCountArray: { json: '[1,1,1,1]' },
      },
      input: { collectionBytes: { bytes: ['a', 'b', 'c', 'd'].map((text) => new TextEncoder().encode(text)) } },
    });

    // Act
    await toAzure(fn)(trigger, context);

    // Assert
    expect(seen.map((m) => [m.id, m.body])).toEqual([
      ['sequence:5', 'a'],
      ['sequence:6', 'b'],
      ['true', 'c'],
      ['m-4', 'd'],
    ]);
  });
});
