/**
 * docs/concepts.md, "Batches": the three modes and what each retries on a failure.
 */

import { invokeLambda } from '@skyport/aws';
import { invokeAzure } from '@skyport/azure';
import { changes, queue, stream } from '@skyport/core';
import { invokeGcp } from '@skyport/gcp';
import { aws, azure as azureRaw, changeEvent, gcp, invoke, message, streamRecord } from '@skyport/testing';
import { describe, expect, it } from 'vitest';

describe('batch modes', () => {
  it('independent (standard queues): only the failed messages are retried', async () => {
    const ran: string[] = [];
    const fn = queue({ name: 'q' }).handle((msg) => {
      ran.push(msg.id);
      if (msg.id === 'b') throw new Error('bad');
    });
    const out = await invoke(
      fn,
      ['a', 'b', 'c'].map((id) => message({ id })),
    );
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(out.failures.map((f) => f.id)).toEqual(['b']);
  });

  it('independent: queue({ concurrency }) runs several at once', async () => {
    let running = 0;
    let peak = 0;
    const fn = queue({ name: 'q', concurrency: 3 }).handle(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 10));
      running--;
    });
    await invoke(
      fn,
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => message({ id })),
    );
    expect(peak).toBe(3);
    const serial = queue({ name: 'q' }).handle(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    });
    peak = 0;
    await invoke(
      serial,
      ['a', 'b', 'c'].map((id) => message({ id })),
    );
    expect(peak).toBe(1);
  });

  it('fifo (messages with a groupId): the failed message and every later message of its group', async () => {
    const ran: string[] = [];
    const fn = queue({ name: 'q.fifo', fifo: true }).handle((msg) => {
      ran.push(msg.id);
      if (msg.id === 'a1') throw new Error('bad');
    });
    const out = await invoke(fn, [
      message({ id: 'a1', groupId: 'a' }),
      message({ id: 'b1', groupId: 'b' }),
      message({ id: 'a2', groupId: 'a' }),
      message({ id: 'b2', groupId: 'b' }),
    ]);
    expect(ran).toEqual(['a1', 'b1', 'b2']);
    expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['a1', false],
      ['a2', true],
    ]);
  });

  it('fifo also applies to a queue not marked fifo when its messages have a groupId', async () => {
    const fn = queue({ name: 'sessions' }).handle((msg) => {
      if (msg.id === 'a1') throw new Error('bad');
    });
    const out = await invoke(fn, [message({ id: 'a1', groupId: 'a' }), message({ id: 'a2', groupId: 'a' })]);
    expect(out.failures.map((f) => f.id)).toEqual(['a1', 'a2']);
  });

  it('ordered (streams, change feeds): the first failed record and everything after it', async () => {
    const ran: string[] = [];
    const fn = stream({ name: 's' }).handle((record) => {
      ran.push(record.sequence);
      if (record.sequence === '2') throw new Error('bad');
    });
    const out = await invoke(
      fn,
      ['1', '2', '3'].map((sequence) => streamRecord({ sequence })),
    );
    expect(ran).toEqual(['1', '2']);
    expect(out.failures.map((f) => [f.id, f.skipped])).toEqual([
      ['2', false],
      ['3', true],
    ]);

    const feed = changes({ collection: 'c' }).handle((change) => {
      if (change.key.id === 'x') throw new Error('bad');
    });
    const changed = await invoke(feed, [changeEvent({ key: { id: 'x' } }), changeEvent({ key: { id: 'y' } })]);
    expect(changed.failures.map((f) => f.skipped)).toEqual([false, true]);
  });
});

describe('how each platform is told', () => {
  const fn = queue({ name: 'orders' }).handle((msg) => {
    if ((msg.body as { fail?: boolean }).fail) throw new Error('bad');
  });

  it('SQS: batchItemFailures; Kinesis: the records from the first failure, where Lambda checkpoints', async () => {
    const sqs = await invokeLambda(
      fn,
      aws.sqs([
        { id: 'ok', body: {} },
        { id: 'bad', body: { fail: true } },
      ]),
    );
    expect(sqs).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    const clicks = stream({ name: 'clicks' }).handle((record) => {
      if (record.sequence === '2') throw new Error('bad');
    });
    const kinesis = await invokeLambda(
      clicks,
      aws.kinesis([{ sequenceNumber: '1' }, { sequenceNumber: '2' }, { sequenceNumber: '3' }]),
    );
    expect(kinesis).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }] });
  });

  it('Azure: the invocation throws; GCP: a non-2xx answer', async () => {
    await expect(
      invokeAzure(fn, azureRaw.queueMessage({ fail: true }), { logHandler: () => undefined }),
    ).rejects.toMatchObject({ code: 'HANDLER_FAILED' });
    const res = await invokeGcp(fn, gcp.pubsubCloudEvent({ data: { fail: true } }));
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect((await invokeGcp(fn, gcp.pubsubCloudEvent({ data: {} }))).status).toBe(204);
  });
});
