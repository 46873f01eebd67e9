import { invokeAzure } from '@skyport/azure';
import { azure, cloudEvent, collectLogs, invoke, type LogLine, storageEvent } from '@skyport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { events, storage } from './builders.js';

const refused = (line: LogLine) => String(line.msg).includes('was acknowledged without running the handler');

describe('an event a filter of the definition refuses', () => {
  let logs = collectLogs();
  afterEach(() => {
    logs.restore();
    logs = collectLogs();
  });

  it('writes one warn line naming the storage event and the filter, and runs nothing', async () => {
    let runs = 0;
    const onUpload = storage({ bucket: 'uploads', on: ['created'], prefix: 'images/', suffix: '.png' }).handle(() => {
      runs++;
    });
    await invoke(onUpload, storageEvent({ bucket: 'uploads', key: 'docs/a.png' }));
    await invoke(onUpload, storageEvent({ bucket: 'uploads', key: 'images/a.jpg' }));
    await invoke(onUpload, storageEvent({ type: 'deleted', bucket: 'uploads', key: 'images/a.png' }));
    expect(runs).toBe(0);
    const lines = logs.lines.filter(refused);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'a storage event refused by the "prefix" filter was acknowledged without running the handler',
      filter: 'prefix',
      expected: 'images/',
      type: 'created',
      bucket: 'uploads',
      key: 'docs/a.png',
    });
    expect(lines[1]).toMatchObject({ filter: 'suffix', expected: '.png', key: 'images/a.jpg' });
    expect(lines[2]).toMatchObject({ filter: 'on', expected: ['created'], type: 'deleted', key: 'images/a.png' });
  });

  it('writes one warn line naming the CloudEvent and the filter, and runs nothing', async () => {
    let runs = 0;
    const onOrder = events({ type: ['OrderPlaced', 'OrderPaid'], source: 'com.shop' }).handle(() => {
      runs++;
    });
    await invoke(onOrder, cloudEvent({ type: 'OrderShipped', source: 'com.shop' }));
    await invoke(onOrder, cloudEvent({ type: 'OrderPlaced', source: 'com.other' }));
    expect(runs).toBe(0);
    const lines = logs.lines.filter(refused);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      msg: 'a CloudEvent refused by the "type" filter was acknowledged without running the handler',
      filter: 'type',
      expected: ['OrderPlaced', 'OrderPaid'],
      type: 'OrderShipped',
      source: 'com.shop',
    });
    expect(lines[1]).toMatchObject({
      filter: 'source',
      expected: 'com.shop',
      type: 'OrderPlaced',
      source: 'com.other',
    });
  });

  it('says so on Azure, where an Event Grid-schema event comes from its topic', async () => {
    let runs = 0;
    const onOrder = events({ type: 'OrderPlaced', source: 'com.shop' }).handle(() => {
      runs++;
    });
    // The Azure logger writes through the invocation's log, which invokeAzure() hands to the log destination.
    await invokeAzure(onOrder, azure.eventGrid({ eventType: 'OrderPlaced', subject: 'orders/1', data: {} }));
    expect(runs).toBe(0);
    const lines = logs.lines.filter(refused);
    expect(lines).toEqual([
      expect.objectContaining({
        filter: 'source',
        expected: 'com.shop',
        type: 'OrderPlaced',
        source: '/subscriptions/test/resourceGroups/test/providers/Test/topics/test',
      }),
    ]);
  });

  it('writes nothing for an event the filters take', async () => {
    let runs = 0;
    const onUpload = storage({ bucket: 'uploads', prefix: 'images/' }).handle(() => {
      runs++;
    });
    const onOrder = events({ type: 'OrderPlaced', source: 'com.shop' }).handle(() => {
      runs++;
    });
    await invoke(onUpload, storageEvent({ bucket: 'uploads', key: 'images/a.png' }));
    await invoke(onOrder, cloudEvent({ type: 'OrderPlaced', source: 'com.shop' }));
    expect(runs).toBe(2);
    expect(logs.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });
});
