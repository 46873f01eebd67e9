import type { Logger } from '@skyport/core';
import { describe, expect, it } from 'vitest';
import { fixture } from './__fixtures__/fixtures.js';
import { fromLegacy, fromStructured } from './cloudevent.js';
import { IGNORED_STORAGE_EVENT, logIgnoredStorageEvent, STORAGE_PREFIX, storageEventOf } from './storage.js';

const input = fixture('storage/ff-conformance__storage-cloudevent-input.json');
const legacy = fixture<{ context: Record<string, unknown>; data: Record<string, unknown> }>(
  'storage/ff-conformance__storage-legacy-input.json',
);
const ofType = (action: string, event: Record<string, unknown> = input) =>
  fromStructured({ ...event, type: `${STORAGE_PREFIX}${action}` }, 'storage');

describe('storageEventOf', () => {
  it('maps finalized and deleted object events (fixture)', () => {
    // Act
    const created = storageEventOf(ofType('finalized'), 'storage');
    const deleted = storageEventOf(ofType('deleted'), 'storage');

    // Assert
    expect(created).toMatchObject({ type: 'created', bucket: 'some-bucket', key: 'folder/Test.cs', size: 352 });
    expect(deleted).toMatchObject({ type: 'deleted', bucket: 'some-bucket', key: 'folder/Test.cs' });
    // No size on a deletion, as on AWS and Azure, though Cloud Storage sends the deleted object's
    expect(deleted?.size).toBeUndefined();
  });

  it.each(['archived', 'metadataUpdated'])('gives no event for %s, so it is acknowledged (fixture)', (action) => {
    // Act
    const event = storageEventOf(ofType(action), 'storage');

    // Assert
    expect(event).toBeUndefined();
  });

  it.each([
    ['google.storage.object.archive', 'archived'],
    ['google.storage.object.metadataUpdate', 'metadataUpdated'],
  ])('gives no event for the legacy %s event either (fixture)', (eventType, action) => {
    // Prepare
    const parsed = fromLegacy({ ...legacy, context: { ...legacy.context, eventType } }, 'storage');

    // Act
    const event = storageEventOf(parsed, 'storage');

    // Assert
    expect(parsed.type).toBe(`${STORAGE_PREFIX}${action}`);
    expect(event).toBeUndefined();
  });

  it('decides by the type alone: an archived event without data is acknowledged too', () => {
    // Prepare
    const { data: _data, ...bare } = input;

    // Act
    const event = storageEventOf(ofType('archived', bare), 'storage');

    // Assert
    expect(event).toBeUndefined();
  });

  it('refuses a malformed finalized or deleted event with a typed error', () => {
    // Prepare
    const data = input.data as Record<string, unknown>;
    const { bucket: _bucket, name: _name, ...anonymous } = data;
    const nowhere = { ...input, source: '//storage.googleapis.com/projects/_', subject: undefined, data: anonymous };
    const dataless = { ...input, data: 'not json' };

    // Act
    const outcomes = [ofType('finalized', nowhere), ofType('deleted', nowhere), ofType('finalized', dataless)].map(
      (event) => {
        try {
          return storageEventOf(event, 'storage');
        } catch (error) {
          return error;
        }
      },
    );

    // Assert
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ code: 'INVALID_EVENT', adapter: 'gcp', kind: 'storage' });
    }
  });
});

describe('logIgnoredStorageEvent', () => {
  it('writes one warn line naming the event type', () => {
    // Prepare
    const lines: unknown[][] = [];
    const other = () => {
      lines.push(['not warn']);
    };
    const log: Logger = {
      trace: other,
      debug: other,
      info: other,
      warn: (...args: unknown[]) => {
        lines.push(args);
      },
      error: other,
      fatal: other,
      child: () => log,
    };

    // Act
    logIgnoredStorageEvent(log, `${STORAGE_PREFIX}archived`);

    // Assert
    expect(lines).toEqual([[{ eventType: 'google.cloud.storage.object.v1.archived' }, IGNORED_STORAGE_EVENT]]);
  });
});
