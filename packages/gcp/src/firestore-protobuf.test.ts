import { type ChangeEvent, changes, SkyportError } from '@skyport/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as gcp from '../../testing/src/raw/gcp.js';
import { Double, encodeDocumentEventData, GeoPoint, Reference } from './__fixtures__/document-event-data.js';
import { toGcp } from './handler.js';

const root = 'projects/test-project/databases/(default)/documents';

/** Runs a `changes` function on a Firestore CloudEvent as the Functions Framework hands it over. */
async function deliver(
  data: unknown,
  attributes: { readonly datacontenttype?: string | undefined; readonly time?: string | undefined } = {},
): Promise<{ readonly seen: ChangeEvent[]; readonly error: unknown }> {
  const seen: ChangeEvent[] = [];
  const fn = changes({ collection: 'users' }).handle((change) => {
    seen.push(change);
  });
  const event = {
    specversion: '1.0',
    type: 'google.cloud.firestore.document.v1.written',
    source: `//firestore.googleapis.com/${root.replace('/documents', '')}`,
    subject: 'documents/users/u1',
    id: 'e1',
    ...('time' in attributes ? { time: attributes.time } : { time: '2026-03-01T10:00:00.000Z' }),
    datacontenttype: 'datacontenttype' in attributes ? attributes.datacontenttype : 'application/protobuf',
    data,
  };
  const error = await toGcp(fn, { signature: 'cloudevent' })(event).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { seen, error };
}

/** The `SkyportError` of a delivery that must fail, with the handler never reached. */
async function refused(data: unknown, datacontenttype?: string): Promise<SkyportError> {
  const { seen, error } = await deliver(data, { datacontenttype: datacontenttype ?? 'application/protobuf' });
  expect(seen).toEqual([]);
  expect(error).toBeInstanceOf(SkyportError);
  return error as SkyportError;
}

const shape =
  '(function kind: changes, detected shape: google.cloud.firestore.document.v1.written (application/protobuf))';

describe('Firestore protobuf event data', () => {
  it('maps an update to plain values, every Firestore value type included', async () => {
    // Prepare
    const bytes = encodeDocumentEventData({
      value: {
        name: `${root}/users/u1`,
        fields: {
          name: 'Ada',
          visits: 4,
          zero: 0,
          negative: -5,
          huge: 9223372036854775807n,
          smallest: -9223372036854775808n,
          ratio: new Double(0.25),
          whole: new Double(2),
          active: false,
          deleted: null,
          joined: new Date('2024-02-29T12:34:56.789Z'),
          avatar: new Uint8Array([0, 255, 7]),
          manager: new Reference(`${root}/users/u0`),
          home: new GeoPoint(51.5, 0),
          tags: ['a', 1, { nested: [true] }],
          address: { city: 'London', zip: { code: 'N1' } },
          empty: {},
          none: [],
        },
        createTime: new Date('2024-01-01T00:00:00Z'),
        updateTime: new Date('2026-03-01T10:00:00Z'),
      },
      oldValue: { name: `${root}/users/u1`, fields: { name: 'Ada', visits: 3 } },
      updateMask: ['visits'],
    });

    // Act
    const { seen, error } = await deliver(bytes);

    // Assert
    expect(error).toBeUndefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ op: 'update', collection: 'users', key: { id: 'u1', path: 'users/u1' } });
    expect(seen[0]?.before).toEqual({ name: 'Ada', visits: 3 });
    expect(seen[0]?.after).toEqual({
      name: 'Ada',
      visits: 4,
      zero: 0,
      negative: -5,
      huge: '9223372036854775807',
      smallest: '-9223372036854775808',
      ratio: 0.25,
      whole: 2,
      active: false,
      deleted: null,
      joined: new Date('2024-02-29T12:34:56.789Z'),
      avatar: new Uint8Array([0, 255, 7]),
      manager: 'users/u0',
      home: { latitude: 51.5, longitude: 0 },
      tags: ['a', 1, { nested: [true] }],
      address: { city: 'London', zip: { code: 'N1' } },
      empty: {},
      none: [],
    });
  });

  it('gives a reference the path only when it names the event database', async () => {
    // Prepare
    const other = 'projects/other-proj/databases/other-db/documents/users/u1';
    const otherDatabase = 'projects/test-project/databases/other-db/documents/users/u1';
    const bytes = encodeDocumentEventData({
      value: {
        name: `${root}/users/u1`,
        fields: {
          same: new Reference(`${root}/users/u0`),
          other: new Reference(other),
          otherDatabase: new Reference(otherDatabase),
          list: [new Reference(other)],
        },
      },
    });

    // Act
    const { seen } = await deliver(bytes);

    // Assert
    expect(seen[0]?.after).toEqual({ same: 'users/u0', other, otherDatabase, list: [other] });
  });

  it('tells a create from a delete by which document the message has', async () => {
    // Prepare
    const created = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields: { n: 1 } } });
    const deleted = encodeDocumentEventData({ oldValue: { name: `${root}/users/u1`, fields: { n: 1 } } });

    // Act
    const insert = await deliver(created);
    const remove = await deliver(deleted);

    // Assert
    expect(insert.seen[0]).toMatchObject({ op: 'insert', before: undefined, after: { n: 1 } });
    expect(remove.seen[0]).toMatchObject({ op: 'delete', before: { n: 1 }, after: undefined });
  });

  it('takes the time from the document when the CloudEvent has none', async () => {
    // Prepare
    const bytes = encodeDocumentEventData({
      value: { name: `${root}/users/u1`, fields: {}, updateTime: new Date('2025-05-05T05:05:05.5Z') },
    });

    // Act
    const { seen } = await deliver(bytes, { time: undefined });

    // Assert
    expect(seen[0]?.time).toEqual(new Date('2025-05-05T05:05:05.5Z'));
  });

  it('reads bytes without a content type as protobuf, and keeps JSON bytes JSON', async () => {
    // Prepare
    const bytes = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields: { n: 1 } } });
    const json = new TextEncoder().encode(
      JSON.stringify(gcp.firestoreCloudEvent({ document: 'users/u1', value: { n: 2 } }).data),
    );

    // Act
    const undeclared = await deliver(bytes, { datacontenttype: undefined });
    const declaredJson = await deliver(json, { datacontenttype: 'application/json' });

    // Assert
    expect(undeclared.seen[0]?.after).toEqual({ n: 1 });
    expect(declaredJson.seen[0]?.after).toEqual({ n: 2 });
  });

  it('keeps a field named __proto__ an own property', async () => {
    // Prepare: protobufjs takes the map as an object, so its key is defined rather than assigned
    const fields = { name: 'x' } as Record<string, unknown>;
    Object.defineProperty(fields, '__proto__', { value: { isAdmin: true }, enumerable: true });
    const bytes = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields } });

    // Act
    const { seen } = await deliver(bytes);

    // Assert
    const after = seen[0]?.after as object;
    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    expect((after as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(after, '__proto__')?.value).toEqual({ isAdmin: true });
  });

  it('skips fields the schema does not name, of every wire type', async () => {
    // Prepare: field 15 of DocumentEventData as a varint, a fixed64, a fixed32 and bytes
    const known = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields: { n: 1 } } });
    const unknown = [0x78, 0x96, 0x01, 0x79, ...new Array(8).fill(1), 0x7d, 1, 2, 3, 4, 0x7a, 2, 0xff, 0xfe];
    const bytes = new Uint8Array([...unknown, ...known]);

    // Act
    const { seen, error } = await deliver(bytes);

    // Assert
    expect(error).toBeUndefined();
    expect(seen[0]?.after).toEqual({ n: 1 });
  });

  it('agrees with the JSON form on arbitrary documents', async () => {
    const plain = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.maxSafeInteger(),
        fc.double({ noNaN: true }).filter((n) => !Number.isInteger(n)),
        fc.boolean(),
        fc.constant(null),
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(
          fc.string().filter((key) => key !== '__proto__'),
          tie('value'),
          { maxKeys: 3 },
        ),
      ),
    }));
    const documents = fc.dictionary(
      fc.string().filter((key) => key !== '__proto__'),
      plain.value,
      { maxKeys: 5 },
    );

    await fc.assert(
      fc.asyncProperty(documents, async (fields) => {
        // Prepare: the same document in both forms (the JSON one from the test kit)
        const bytes = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields } });
        const json = gcp.firestoreCloudEvent({ document: 'users/u1', value: fields }).data;

        // Act
        const fromProtobuf = await deliver(bytes);
        const fromJson = await deliver(json, { datacontenttype: 'application/json' });

        // Assert
        expect(fromProtobuf.error).toBeUndefined();
        expect(fromProtobuf.seen[0]?.after).toEqual(fields);
        expect(fromProtobuf.seen[0]?.after).toEqual(fromJson.seen[0]?.after);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Firestore protobuf event data that is not a DocumentEventData', () => {
  const valid = encodeDocumentEventData({ value: { name: `${root}/users/u1`, fields: { n: 1, s: 'text' } } });
  /** A Timestamp one second after 9999-12-31T23:59:59Z. */
  const farFuture = [0x08, ...varint(253_402_300_800)];

  it.each([
    ['cut short', valid.subarray(0, valid.length - 1), 'a field is longer than the data'],
    ['cut inside a tag', new Uint8Array([0x8a]), 'the data ends inside a field'],
    [
      'a field with the wrong wire type',
      new Uint8Array([0x0a, 2, 0x08, 1]),
      'Document.name has wire type 0, expected 2',
    ],
    ['a group (wire type 3)', new Uint8Array([0x7b]), 'wire type 3 is not used by this schema'],
    ['field number 0', new Uint8Array([0x02, 0]), 'a field number is 0'],
    [
      'a varint of 11 bytes',
      new Uint8Array([0x78, ...new Array(10).fill(0xff), 0]),
      'a varint is longer than 10 bytes',
    ],
    ['a length past the end', new Uint8Array([0x0a, 0x7f, 0]), 'a field is longer than the data'],
    ['a string that is not UTF-8', new Uint8Array([0x0a, 3, 0x0a, 1, 0xc3]), 'a string is not valid UTF-8'],
    [
      'a timestamp after the year 9999',
      new Uint8Array([0x0a, farFuture.length + 2, 0x22, farFuture.length, ...farFuture]),
      'a Timestamp is out of range (253402300800 s, 0 ns)',
    ],
  ])('fails the event with INVALID_EVENT: %s', async (_case, bytes, problem) => {
    // Act
    const error = await refused(bytes);

    // Assert
    expect(error.code).toBe('INVALID_EVENT');
    expect(error.message).toBe(`gcp: the Firestore event data is not a DocumentEventData: ${problem} ${shape}`);
  });

  it('refuses protobuf that is declared but not bytes', async () => {
    // Act
    const error = await refused('CgIIAQ==');

    // Assert
    expect(error.code).toBe('INVALID_EVENT');
    expect(error.message).toBe(`gcp: the Firestore event data is declared protobuf but is not bytes ${shape}`);
  });

  it('refuses values nested more than 100 levels, and 6000 levels without overflowing the stack', async () => {
    // Prepare: written by hand, as protobufjs refuses to nest this deep. A field d holding
    // Value { map_value: MapValue { fields: { a: ... } } }, levels deep, a string at the bottom.
    // Built from the inside out, one prefix per level, so 6000 levels take no time to write.
    const nested = (levels: number) => {
      const bottom = [0x8a, 0x01, 6, ...new TextEncoder().encode('bottom')];
      const prefixes: number[][] = [];
      let length = bottom.length;
      for (let i = 1; i < levels; i++) {
        const entry = [0x0a, 1, 0x61, 0x12, ...varint(length)];
        const map = [0x0a, ...varint(entry.length + length)];
        const value = [0x32, ...varint(map.length + entry.length + length)];
        prefixes.push([...value, ...map, ...entry]);
        length += value.length + map.length + entry.length;
      }
      const entry = [0x0a, 1, 0x64, 0x12, ...varint(length)];
      const name = [0x0a, ...varint(`${root}/users/u1`.length), ...new TextEncoder().encode(`${root}/users/u1`)];
      const doc = [...name, 0x12, ...varint(entry.length + length), ...entry];
      const head = [0x0a, ...varint(doc.length + length), ...doc];
      return new Uint8Array([...head, ...prefixes.reverse().flat(), ...bottom]);
    };

    // Act
    const hundred = await deliver(nested(100));
    const tooDeep = await refused(nested(101));
    const farTooDeep = await refused(nested(6000));

    // Assert
    expect(hundred.error).toBeUndefined();
    expect(JSON.stringify(hundred.seen[0]?.after)).toBe(`{"d":${'{"a":'.repeat(99)}"bottom"${'}'.repeat(100)}`);
    for (const error of [tooDeep, farTooDeep]) {
      expect(error.code).toBe('INVALID_EVENT');
      expect(error.message).toBe(
        `gcp: the Firestore event data is not a DocumentEventData: values nest deeper than 100 levels ${shape}`,
      );
    }
  });

  it('never throws anything but a SkyportError, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        const { error } = await deliver(bytes);
        if (error !== undefined) expect(error).toBeInstanceOf(SkyportError);
      }),
      { numRuns: 300 },
    );
  });
});

/** A protobuf varint. */
function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}
