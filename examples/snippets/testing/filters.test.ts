/** docs/testing.md, "Portable event factories": an event a filter of the definition refuses. */
import { events } from '@skyport/core';
import { cloudEvent, collectLogs, invoke, storageEvent } from '@skyport/testing';
import { expect, it } from 'vitest';
import { functions } from './src/functions.js';
import { store } from './src/store.js';

// storage({ bucket: 'receipts', on: ['created'], prefix: 'receipts/' })
const { receiptUploaded } = functions;

it('runs a filtered function only for an event its filters take', async () => {
  const order = await store().create({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] });
  const logs = collectLogs();
  try {
    // storageEvent()'s default key, test-object, is not under receipts/: acknowledged, never run
    expect(await invoke(receiptUploaded, storageEvent())).toEqual({ ok: true, failures: [] });
    expect(logs.find('receipt attached')).toEqual([]);
    expect(logs.find((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ filter: 'prefix', expected: 'receipts/', key: 'test-object' }),
    ]);

    // the key the filter wants reaches the handler
    const out = await invoke(receiptUploaded, storageEvent({ key: `receipts/${order.id}.pdf` }));
    expect(out).toEqual({ ok: true, failures: [] });
    expect(logs.find('receipt attached')).toHaveLength(1);
  } finally {
    logs.restore();
  }
});

it("acknowledges cloudEvent()'s default type without running a function filtered by type", async () => {
  const seen: string[] = [];
  const onSignup = events({ type: 'user.created' }).handle((event) => {
    seen.push(event.type);
  });
  const logs = collectLogs();
  try {
    expect(await invoke(onSignup, cloudEvent())).toEqual({ ok: true, failures: [] });
    expect(logs.find((line) => line.level === 'warn')).toEqual([
      expect.objectContaining({ filter: 'type', expected: 'user.created', type: 'test.event' }),
    ]);
    await invoke(onSignup, cloudEvent({ type: 'user.created' }));
    expect(seen).toEqual(['user.created']);
  } finally {
    logs.restore();
  }
});
