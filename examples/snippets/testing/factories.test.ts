/** docs/testing.md, "Portable event factories": the defaults the table promises. */
import {
  changeEvent,
  cloudEvent,
  httpRequest,
  message,
  scheduleTick,
  storageEvent,
  streamRecord,
} from '@skyport/testing';
import { expect, it } from 'vitest';

it('builds requests with the documented defaults', () => {
  expect(httpRequest()).toMatchObject({ method: 'GET', path: '/' });
  expect(httpRequest({ path: '/orders?status=pending' })).toMatchObject({ path: '/orders', query: 'status=pending' });
  const json = httpRequest({ method: 'POST', body: { a: 1 } });
  expect(json.body).toBe('{"a":1}');
  expect(json.headers).toEqual({ 'content-type': 'application/json' });
});

it('builds events with the documented defaults', () => {
  const first = message();
  expect(first.id).not.toBe(message().id);
  expect(first).toMatchObject({ attempt: 1, source: 'test-queue' });
  expect(BigInt(streamRecord().sequence)).toBeLessThan(BigInt(streamRecord().sequence));
  expect(storageEvent()).toMatchObject({ type: 'created', bucket: 'test-bucket' });
  const before = Date.now();
  const tick = scheduleTick();
  expect(tick.isPastDue).toBe(false);
  expect(tick.scheduledTime.getTime()).toBeGreaterThanOrEqual(before);
  expect(tick.scheduledTime.getTime()).toBeLessThanOrEqual(Date.now());
  expect(changeEvent().op).toBe('insert');
  expect(cloudEvent()).toMatchObject({ type: 'test.event', source: 'test://source' });
});
