import { type ChangeEvent, changes, SkyportError } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import * as gcp from '../../testing/src/raw/gcp.js';
import { fromFirestoreFields, fromFirestoreValue } from './firestore.js';
import { toGcp } from './handler.js';
import { invokeGcp } from './invoke.js';

describe('Firestore values', () => {
  it('turns every typed value into a plain JS value', () => {
    // Act
    const value = fromFirestoreFields({
      s: { stringValue: 'x' },
      i: { integerValue: '42' },
      big: { integerValue: '9007199254740993' },
      d: { doubleValue: 1.5 },
      nan: { doubleValue: 'NaN' },
      b: { booleanValue: false },
      n: { nullValue: null },
      t: { timestampValue: '2020-04-23T09:58:53.211035Z' },
      bytes: { bytesValue: 'AQI=' },
      ref: { referenceValue: 'projects/p/databases/(default)/documents/a/b' },
      geo: { geoPointValue: { latitude: 1, longitude: 2 } },
      arr: { arrayValue: { values: [{ integerValue: '1' }, { mapValue: { fields: { k: { stringValue: 'v' } } } }] } },
      emptyArr: { arrayValue: {} },
      map: { mapValue: {} },
    });

    // Assert
    expect(value).toEqual({
      s: 'x',
      i: 42,
      big: '9007199254740993',
      d: 1.5,
      nan: Number.NaN,
      b: false,
      n: null,
      t: new Date('2020-04-23T09:58:53.211Z'),
      bytes: new Uint8Array([1, 2]),
      ref: 'projects/p/databases/(default)/documents/a/b',
      geo: { latitude: 1, longitude: 2 },
      arr: [1, { k: 'v' }],
      emptyArr: [],
      map: {},
    });
  });

  it('keeps a reference as its full name, since no database is known outside an event', () => {
    expect(
      fromFirestoreFields({
        ref: { referenceValue: 'projects/p/databases/(default)/documents/users/u1' },
        odd: { referenceValue: 'users/u1' },
      }),
    ).toEqual({ ref: 'projects/p/databases/(default)/documents/users/u1', odd: 'users/u1' });
  });

  it('gives undefined for what is not a typed value', () => {
    expect(fromFirestoreValue('x')).toBeUndefined();
    expect(fromFirestoreValue({ unknownValue: 1 })).toBeUndefined();
    expect(fromFirestoreFields(null)).toEqual({});
  });
});

describe('Firestore references in an event', () => {
  const root = 'projects/test-project/databases/(default)/documents';
  const fields = {
    same: { referenceValue: `${root}/users/u1` },
    nested: { referenceValue: `${root}/users/u1/orders/o1` },
    otherProject: { referenceValue: 'projects/other-proj/databases/(default)/documents/users/u1' },
    otherDatabase: { referenceValue: 'projects/test-project/databases/other-db/documents/users/u1' },
    odd: { referenceValue: 'users/u1' },
    list: { arrayValue: { values: [{ referenceValue: 'projects/other-proj/databases/other-db/documents/users/u1' }] } },
  };
  const expected = {
    same: 'users/u1',
    nested: 'users/u1/orders/o1',
    otherProject: 'projects/other-proj/databases/(default)/documents/users/u1',
    otherDatabase: 'projects/test-project/databases/other-db/documents/users/u1',
    odd: 'users/u1',
    list: ['projects/other-proj/databases/other-db/documents/users/u1'],
  };

  it.each(['http', 'cloudevent'] as const)(
    'give the path only for a document of the event database (%s signature)',
    async (signature) => {
      // Prepare
      const seen: ChangeEvent[] = [];
      const fn = changes({ collection: 'docs' }).handle((change) => {
        seen.push(change);
      });
      const event = gcp.firestoreCloudEvent({ document: 'docs/d1', value: {}, oldValue: {} });
      const data = event.data as { value: object; oldValue: object };
      const delivered = {
        ...event,
        data: { value: { ...data.value, fields }, oldValue: { ...data.oldValue, fields } },
      };

      // Act
      if (signature === 'http') expect((await invokeGcp(fn, delivered)).status).toBe(204);
      else await toGcp(fn, { signature })(delivered);

      // Assert
      expect(seen[0]?.after).toEqual(expected);
      expect(seen[0]?.before).toEqual(expected);
    },
  );

  it('keep their full name in an event of another database', async () => {
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'docs' }).handle((change) => {
      seen.push(change);
    });
    const event = gcp.firestoreCloudEvent({ document: 'docs/d1', database: 'other-db', value: {} });
    const data = event.data as { value: object };
    await toGcp(fn, { signature: 'cloudevent' })({ ...event, data: { value: { ...data.value, fields } } });
    expect(seen[0]?.after).toMatchObject({
      same: `${root}/users/u1`,
      otherDatabase: 'users/u1',
      otherProject: 'projects/other-proj/databases/(default)/documents/users/u1',
    });
  });
});

/** The `SkyportError` a call throws, or `undefined`. */
function thrown(act: () => unknown): SkyportError | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof SkyportError) return error;
    throw error;
  }
  return undefined;
}

/** A field `d` holding `levels` maps nested in each other, a string at the bottom. */
function nestedFields(levels: number): Record<string, unknown> {
  let value: unknown = { stringValue: 'bottom' };
  for (let i = 1; i < levels; i++) value = { mapValue: { fields: { a: value } } };
  return { d: value };
}

const standalone = '(function kind: changes, detected shape: Firestore value)';

describe('Firestore fields named __proto__', () => {
  it('become own data properties of an ordinary object, at the top and inside maps', () => {
    // Prepare: JSON.parse makes "__proto__" an own key, as a delivered event has it
    const fields = JSON.parse(
      '{"__proto__":{"mapValue":{"fields":{"isAdmin":{"booleanValue":true}}}},"name":{"stringValue":"x"},' +
        '"inner":{"mapValue":{"fields":{"__proto__":{"stringValue":"p"}}}}}',
    ) as unknown;

    // Act
    const value = fromFirestoreFields(fields);

    // Assert
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto__', 'name', 'inner']);
    expect((value as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ isAdmin: true });
    const inner = value.inner as object;
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.keys(inner)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toBe('p');
  });

  it('reach the handler as own keys of after', async () => {
    // Prepare
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'users' }).handle((change) => {
      seen.push(change);
    });
    const event = gcp.firestoreCloudEvent({ document: 'users/u1', value: {} });
    const value = (event.data as { value: object }).value;
    const fields = JSON.parse(
      '{"__proto__":{"mapValue":{"fields":{"isAdmin":{"booleanValue":true}}}},"name":{"stringValue":"eve"}}',
    ) as unknown;

    // Act
    const result = await invokeGcp(fn, { ...event, data: { value: { ...value, fields } } });

    // Assert
    expect(result.status).toBe(204);
    const after = seen[0]?.after as object;
    expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    expect(Object.keys(after)).toEqual(['__proto__', 'name']);
    expect((after as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });
});

describe('Firestore nesting depth', () => {
  it('decodes 100 levels of maps and refuses 101 with INVALID_EVENT naming the field', () => {
    // Act
    const deepest = fromFirestoreFields(nestedFields(100));
    const error = thrown(() => fromFirestoreFields(nestedFields(101)));

    // Assert
    expect(JSON.stringify(deepest)).toBe(`{"d":${'{"a":'.repeat(99)}"bottom"${'}'.repeat(100)}`);
    expect(error?.code).toBe('INVALID_EVENT');
    expect(error?.message).toBe(
      `gcp: the Firestore field d${'.a'.repeat(49)}… nests deeper than 100 levels ${standalone}`,
    );
  });

  it('counts arrays as levels too', () => {
    // Prepare
    let value: unknown = { nullValue: null };
    for (let i = 0; i < 101; i++) value = { arrayValue: { values: [value] } };

    // Act
    const error = thrown(() => fromFirestoreValue(value));

    // Assert
    expect(error?.code).toBe('INVALID_EVENT');
    expect(error?.message).toBe(
      `gcp: the Firestore field ${'[0]'.repeat(33)}… nests deeper than 100 levels ${standalone}`,
    );
  });

  it('answers 6000 levels with INVALID_EVENT on both signatures instead of overflowing the stack', async () => {
    // Prepare
    const fn = changes({ collection: 'users' }).handle(() => undefined);
    // (JSON.stringify itself would overflow on such a value, so the text is built by hand)
    const event = JSON.stringify(gcp.firestoreCloudEvent({ document: 'users/u1', value: {} }));
    const fields = `{"d":${'{"mapValue":{"fields":{"a":'.repeat(5999)}{"stringValue":"x"}${'}}}'.repeat(5999)}}`;
    const body = event.replace('"fields":{}', `"fields":${fields}`);

    // Act
    const http = await invokeGcp(fn, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/cloudevents+json' },
      body,
    });
    const rejected = await toGcp(fn, { signature: 'cloudevent' })(JSON.parse(body))
      .then(() => undefined)
      .catch((error: unknown) => error);

    // Assert
    expect(http.status).toBe(500);
    expect(http.body).toMatchObject({ code: 'INVALID_EVENT' });
    expect(rejected).toBeInstanceOf(SkyportError);
    expect((rejected as SkyportError).code).toBe('INVALID_EVENT');
    expect((rejected as SkyportError).message).toMatch(
      /^gcp: the Firestore field d(\.a){49}… of value nests deeper than 100 levels \(function kind: changes, detected shape: google\.cloud\.firestore\.document\.v1\.written\)$/,
    );
  });
});

describe('Firestore values of the wrong JSON type', () => {
  const expected = {
    nullValue: 'null or "NULL_VALUE"',
    stringValue: 'a string',
    booleanValue: 'a boolean',
    integerValue: 'an int64 as a decimal string or an integer number',
    doubleValue: 'a number, a numeric string, "NaN", "Infinity" or "-Infinity"',
    timestampValue: 'an RFC 3339 date-time string',
    bytesValue: 'a base64 string',
    referenceValue: 'a document name string',
    geoPointValue: 'an object with numeric latitude and longitude',
  };

  it.each([
    ['integerValue', '12abc'],
    ['integerValue', null],
    ['integerValue', ''],
    ['integerValue', '1.5'],
    ['integerValue', 1.5],
    ['integerValue', '9223372036854775808'],
    ['integerValue', '-9223372036854775809'],
    ['integerValue', 2 ** 63],
    ['doubleValue', { x: 1 }],
    ['doubleValue', 'nan'],
    ['doubleValue', '1.5x'],
    ['doubleValue', true],
    ['booleanValue', 'yes'],
    ['booleanValue', 1],
    ['timestampValue', 'nope'],
    ['timestampValue', '2020-04-23'],
    ['timestampValue', '2020-04-23T24:00:00Z'],
    ['timestampValue', 1587635933],
    ['nullValue', 0],
    ['nullValue', 'null'],
    ['stringValue', 5],
    ['referenceValue', null],
    ['bytesValue', 'not base64!'],
    ['bytesValue', 12],
    ['geoPointValue', 'here'],
    ['geoPointValue', { latitude: '48.8x', longitude: 2 }],
  ] as const)('refuses %s %j with INVALID_EVENT naming the field', (type, raw) => {
    // Act
    const error = thrown(() => fromFirestoreFields({ m: { mapValue: { fields: { 'a b': { [type]: raw } } } } }));

    // Assert
    expect(error?.code).toBe('INVALID_EVENT');
    expect(error?.message).toBe(
      `gcp: the Firestore field m.\`a b\` has an invalid ${type}, expected ${expected[type]} ${standalone}`,
    );
  });

  it('refuses a malformed arrayValue or mapValue, naming the array element', () => {
    const inArray = { arrayValue: { values: [{ integerValue: '1' }, { booleanValue: 'no' }] } };
    expect(thrown(() => fromFirestoreFields({ list: inArray }))?.message).toBe(
      `gcp: the Firestore field list[1] has an invalid booleanValue, expected a boolean ${standalone}`,
    );
    expect(thrown(() => fromFirestoreValue({ arrayValue: { values: 'x' } }))?.message).toBe(
      `gcp: the Firestore value has an invalid arrayValue, expected an object with a values array ${standalone}`,
    );
    expect(thrown(() => fromFirestoreFields({ m: { mapValue: [] } }))?.message).toBe(
      `gcp: the Firestore field m has an invalid mapValue, expected an object with a fields object ${standalone}`,
    );
  });

  it('fails the event with INVALID_EVENT and runs no handler', async () => {
    // Prepare
    const seen: ChangeEvent[] = [];
    const fn = changes({ collection: 'users' }).handle((change) => {
      seen.push(change);
    });
    const event = gcp.firestoreCloudEvent({ document: 'users/u1', value: {}, oldValue: {} });
    const data = event.data as { value: object; oldValue: object };
    const fields = { n: { integerValue: null } };

    // Act
    const result = await invokeGcp(fn, { ...event, data: { ...data, oldValue: { ...data.oldValue, fields } } });

    // Assert
    expect(seen).toEqual([]);
    expect(result.status).toBe(500);
    expect(result.body).toMatchObject({
      code: 'INVALID_EVENT',
      detail:
        'gcp: the Firestore field n of oldValue has an invalid integerValue, expected an int64 as a decimal string or an integer number (function kind: changes, detected shape: google.cloud.firestore.document.v1.written)',
    });
  });

  it('accepts every encoding the Firestore JSON mapping allows', () => {
    // Act
    const value = fromFirestoreFields({
      intNumber: { integerValue: 7 },
      intMax: { integerValue: '9223372036854775807' },
      intMin: { integerValue: '-9223372036854775808' },
      unsafeNumber: { integerValue: 2 ** 60 },
      doubleText: { doubleValue: '2.5e3' },
      infinity: { doubleValue: 'Infinity' },
      minusInfinity: { doubleValue: '-Infinity' },
      nanNumber: { doubleValue: Number.NaN },
      nullEnum: { nullValue: 'NULL_VALUE' },
      offset: { timestampValue: '2020-04-23T11:58:53.211035123+02:00' },
      urlSafeBytes: { bytesValue: '-_8' },
      emptyBytes: { bytesValue: '' },
      origin: { geoPointValue: {} },
      equator: { geoPointValue: { longitude: 2 } },
    });

    // Assert
    expect(value).toEqual({
      intNumber: 7,
      intMax: '9223372036854775807',
      intMin: '-9223372036854775808',
      unsafeNumber: '1152921504606846976',
      doubleText: 2500,
      infinity: Number.POSITIVE_INFINITY,
      minusInfinity: Number.NEGATIVE_INFINITY,
      nanNumber: Number.NaN,
      nullEnum: null,
      offset: new Date('2020-04-23T09:58:53.211Z'),
      urlSafeBytes: new Uint8Array([251, 255]),
      emptyBytes: new Uint8Array(0),
      origin: { latitude: 0, longitude: 0 },
      equator: { latitude: 0, longitude: 2 },
    });
  });
});
