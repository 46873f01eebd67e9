import { describe, expect, it } from 'vitest';
import { fromFirestoreFields, fromFirestoreValue } from './firestore.js';

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

  it('gives undefined for what is not a typed value', () => {
    expect(fromFirestoreValue('x')).toBeUndefined();
    expect(fromFirestoreValue({ unknownValue: 1 })).toBeUndefined();
    expect(fromFirestoreFields(null)).toEqual({});
  });
});
