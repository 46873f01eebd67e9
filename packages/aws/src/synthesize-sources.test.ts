/**
 * `fromLambda` handlers written for the other event shapes of their kind (`source`): off Lambda
 * (`invoke()`, Azure with the real `@azure/functions`, GCP through its mapping and the real
 * Functions Framework) each gets the event of its source synthesised from the portable one, and
 * its result is mapped back as Lambda reads it for that source; on Lambda the original event
 * passes through unchanged.
 */
import type { AddressInfo } from 'node:net';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { invokeAzure } from '@skyport/azure';
import { SkyportError, setLogDestination } from '@skyport/core';
import { invokeGcp, register } from '@skyport/gcp';
import { aws, azure, changeEvent, gcp, invoke, message, storageEvent, streamRecord } from '@skyport/testing';
import type {
  DynamoDBRecord,
  DynamoDBStreamEvent,
  KinesisStreamEvent,
  S3Event,
  SNSEvent,
  SQSBatchResponse,
  SQSRecord,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unmarshall } from './attribute-value.js';
import { fromLambda } from './from-lambda.js';
import { toLambda } from './to-lambda.js';
import type { PipedKinesisRecord, S3EventBridgeEvent } from './types.js';

let restore: (() => void) | undefined;
beforeAll(() => {
  restore = setLogDestination({ write: () => undefined });
});
afterAll(() => restore?.());

/** The name and first cause of the error an Azure invocation rejects with (a `BatchFailedError`). */
async function azureFailure(run: Promise<unknown>): Promise<[string, string]> {
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof Error)) throw new Error('the Azure invocation succeeded');
  return [error.name, error.cause instanceof Error ? error.cause.message : String(error.cause)];
}

/** An SNS subscriber as SNS handlers are written: it reads the notification of its one record. */
function snsSubscriber(fail?: (order: { orderId: string }) => boolean) {
  const seen: SNSEvent[] = [];
  const handler = async (event: SNSEvent) => {
    seen.push(event);
    const order = JSON.parse(event.Records[0]!.Sns.Message) as { orderId: string };
    if (fail?.(order)) throw new Error(`cannot ship ${order.orderId}`);
  };
  return { seen, handler };
}

describe('a queue handler written for SNS (source: sns)', () => {
  it('gets an SNS event made from the message under invoke(): Message, attributes, topic, id and time', async () => {
    // Prepare
    const { seen, handler } = snsSubscriber();
    const fn = fromLambda(handler, { kind: 'queue', name: 'orders', source: 'sns' });
    const publishedAt = new Date('2026-03-01T10:20:30.456Z');
    // Act
    const result = await invoke(
      fn,
      message({
        id: 'msg-7',
        body: { orderId: 'ord_1' },
        attributes: { tenant: 'acme' },
        source: 'orders',
        publishedAt,
      }),
    );
    // Assert
    expect(result).toEqual({ ok: true, failures: [] });
    expect(seen).toHaveLength(1);
    const record = seen[0]!.Records[0]!;
    expect(seen[0]!.Records).toHaveLength(1);
    expect(record).toMatchObject({
      EventVersion: '1.0',
      EventSource: 'aws:sns',
      Sns: {
        Type: 'Notification',
        MessageId: 'msg-7',
        Message: '{"orderId":"ord_1"}',
        MessageAttributes: { tenant: { Type: 'String', Value: 'acme' } },
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
        Timestamp: '2026-03-01T10:20:30.456Z',
        Subject: null,
      },
    });
    expect(record.EventSubscriptionArn).toMatch(
      /^arn:aws:sns:us-east-1:123456789012:orders:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('fails the message when the handler throws, and reads no batchItemFailures (SNS has none)', async () => {
    // Prepare
    const { handler } = snsSubscriber((order) => order.orderId === 'bad');
    const fn = fromLambda(handler, { kind: 'queue', source: 'sns' });
    const returning = fromLambda(async (_event: SNSEvent) => ({ batchItemFailures: [{ itemIdentifier: 'x' }] }), {
      kind: 'queue',
      source: 'sns',
    });
    // Act
    const result = await invoke(fn, [
      message({ id: 'm-1', body: { orderId: 'ok' } }),
      message({ id: 'm-2', body: { orderId: 'bad' } }),
    ]);
    const ignored = await invoke(returning, message({ body: {} }));
    // Assert
    expect(result.failures.map((f) => [f.id, (f.error as Error).message])).toEqual([['m-2', 'cannot ship bad']]);
    expect(ignored).toEqual({ ok: true, failures: [] });
  });

  it('keeps a byte order mark in the Message text, as SNS passes it on', async () => {
    const messages: string[] = [];
    const fn = fromLambda(
      async (event: SNSEvent) => {
        for (const record of event.Records) messages.push(record.Sns.Message);
      },
      { kind: 'queue', source: 'sns' },
    );
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":1}')]);
    expect((await invoke(fn, message({ body: bom }))).ok).toBe(true);
    expect(messages).toEqual(['\uFEFF{"a":1}']);
  });

  it('runs on Azure from a Service Bus message, and fails the message it throws for', async () => {
    // Prepare
    const { seen, handler } = snsSubscriber((order) => order.orderId === 'bad');
    const fn = fromLambda(handler, { kind: 'queue', name: 'orders', source: 'sns' });
    // Act
    await invokeAzure(
      fn,
      azure.serviceBusMessage({ orderId: 'ord_1' }, { messageId: 'sb-1', applicationProperties: { tenant: 'acme' } }),
    );
    const failed = invokeAzure(fn, azure.serviceBusMessage({ orderId: 'bad' }, { messageId: 'sb-2' }));
    // Assert
    expect(await azureFailure(failed)).toEqual(['BatchFailedError', 'cannot ship bad']);
    expect(seen[0]?.Records[0]?.Sns).toMatchObject({
      MessageId: 'sb-1',
      Message: '{"orderId":"ord_1"}',
      MessageAttributes: { tenant: { Type: 'String', Value: 'acme' } },
    });
  });

  it('runs on GCP from a Pub/Sub CloudEvent: 204, or 500 when it throws', async () => {
    // Prepare
    const { seen, handler } = snsSubscriber((order) => order.orderId === 'bad');
    const fn = fromLambda(handler, { kind: 'queue', name: 'orders', source: 'sns' });
    // Act
    const ok = await invokeGcp(
      fn,
      gcp.pubsubCloudEvent({ data: { orderId: 'ord_1' }, messageId: 'ps-1', attributes: { tenant: 'acme' } }),
    );
    const failed = await invokeGcp(fn, gcp.pubsubCloudEvent({ data: { orderId: 'bad' } }));
    // Assert
    expect(ok.status).toBe(204);
    expect(failed.status).toBe(500);
    expect(seen[0]?.Records[0]?.Sns).toMatchObject({
      MessageId: 'ps-1',
      Message: '{"orderId":"ord_1"}',
      MessageAttributes: { tenant: { Type: 'String', Value: 'acme' } },
    });
  });

  it('runs behind the real Functions Framework from a Pub/Sub CloudEvent', async () => {
    // Prepare
    const { seen, handler } = snsSubscriber();
    register({ snsSubscriber: fromLambda(handler, { kind: 'queue', name: 'orders', source: 'sns' }) }, { functions });
    const server = getTestServer('snsSubscriber');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      // Act
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(gcp.pubsubCloudEvent({ data: { orderId: 'ord_9' }, messageId: 'ps-9', topic: 'orders' })),
      });
      // Assert
      expect(res.status).toBeLessThan(300);
      expect(seen[0]?.Records[0]?.Sns).toMatchObject({ MessageId: 'ps-9', Message: '{"orderId":"ord_9"}' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gets the SNS record itself on Lambda, and an SQS record passes as before', async () => {
    // Prepare
    const seen: unknown[] = [];
    const fn = fromLambda(
      async (event: SNSEvent) => {
        seen.push(event);
      },
      { kind: 'queue', source: 'sns' },
    );
    const event = aws.sns({ message: { orderId: 'ord_1' } });
    // Act
    const result = await toLambda(fn)(event, aws.lambdaContext());
    // Assert
    expect(result).toBeUndefined();
    expect(seen).toEqual([{ Records: [event.Records[0]] }]);
    expect((seen[0] as SNSEvent).Records[0]).toBe(event.Records[0]);
  });
});

describe('a queue handler written for an EventBridge Pipe (source: pipe)', () => {
  it('gets a one-record array of SQS records off Lambda, and its batchItemFailures fail the message', async () => {
    // Prepare
    const seen: SQSRecord[][] = [];
    const handler = async (records: SQSRecord[]): Promise<SQSBatchResponse> => {
      seen.push(records);
      return {
        batchItemFailures: records
          .filter((r) => (JSON.parse(r.body) as { fail?: boolean }).fail)
          .map((r) => ({ itemIdentifier: r.messageId })),
      };
    };
    const fn = fromLambda(handler, { kind: 'queue', name: 'orders', source: 'pipe' });
    // Act
    const result = await invoke(fn, [
      message({ id: 'p-1', body: { a: 1 } }),
      message({ id: 'p-2', body: { fail: true } }),
    ]);
    const azureRun = invokeAzure(fn, azure.serviceBusMessage({ fail: true }, { messageId: 'sb-3' }));
    // Assert
    expect(result.failures.map((f) => f.id)).toEqual(['p-2']);
    expect(await azureFailure(azureRun)).toEqual([
      'BatchFailedError',
      'the Lambda handler reported record sb-3 in batchItemFailures',
    ]);
    expect(Array.isArray(seen[0])).toBe(true);
    expect(seen[0]).toHaveLength(1);
    expect(seen[0]?.[0]).toMatchObject({ messageId: 'p-1', body: '{"a":1}', eventSource: 'aws:sqs' });
  });
});

describe('a stream handler written for DynamoDB Streams (source: dynamodb)', () => {
  const keys = { Keys: { id: { S: 'ord_1' } } };

  function recorder() {
    const seen: DynamoDBStreamEvent[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      seen.push(event);
      const record = event.Records[0]!;
      const item = unmarshall(record.dynamodb?.NewImage ?? {});
      if (item.fail === true) {
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
      return { batchItemFailures: [] };
    };
    return { seen, handler };
  }

  it('gets a DynamoDB Streams event whose record is the body when it is one, as a Kinesis destination writes it', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'stream', name: 'orders-cdc', source: 'dynamodb' });
    const forwarded = {
      awsRegion: 'eu-west-1',
      eventID: 'e-1',
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      recordFormat: 'application/json',
      tableName: 'orders',
      dynamodb: { ...keys, OldImage: { id: { S: 'ord_1' }, total: { N: '5' } }, SizeBytes: 40 },
      eventSource: 'aws:dynamodb',
    };
    // Act
    const result = await invoke(fn, streamRecord({ body: forwarded, sequence: '000042' }));
    // Assert
    expect(result).toEqual({ ok: true, failures: [] });
    expect(seen[0]?.Records).toHaveLength(1);
    expect(seen[0]?.Records[0]).toMatchObject({
      eventID: 'e-1',
      eventName: 'REMOVE',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      eventSourceARN: expect.stringMatching(/:table\/orders\/stream\//),
      dynamodb: {
        Keys: { id: { S: 'ord_1' } },
        OldImage: { id: { S: 'ord_1' }, total: { N: '5' } },
        SequenceNumber: '000042',
        SizeBytes: 40,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
  });

  it("takes a body that is a record's dynamodb object as that change, named by its images", async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'stream', source: 'dynamodb' });
    const changed = { ...keys, NewImage: { id: { S: 'ord_1' } }, OldImage: { id: { S: 'ord_1' } } };
    // Act
    await invoke(fn, [
      streamRecord({ body: { ...keys, NewImage: { id: { S: 'ord_1' } } } }),
      streamRecord({ body: changed }),
      streamRecord({ body: keys }),
    ]);
    // Assert
    expect(seen.map((e) => e.Records[0]?.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(seen[1]?.Records[0]?.dynamodb).toMatchObject(changed);
  });

  it('takes any other JSON object as an item inserted, with the keys a JSON partition key names', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'stream', name: 'orders', source: 'dynamodb' });
    const published = new Date('2026-03-01T10:00:00Z');
    // Act
    await invoke(fn, [
      streamRecord({
        body: { id: 'ord_1', total: 5 },
        partitionKey: '{"id":"ord_1"}',
        publishedAt: published,
        source: 'orders',
      }),
      streamRecord({ body: { id: 'ord_2' }, partitionKey: 'device-7' }),
    ]);
    // Assert
    const [first, second] = seen.map((e) => e.Records[0] as DynamoDBRecord);
    expect(first).toMatchObject({
      eventName: 'INSERT',
      eventSourceARN: expect.stringMatching(/^arn:aws:dynamodb:us-east-1:123456789012:table\/orders\/stream\//),
      dynamodb: {
        Keys: { id: { S: 'ord_1' } },
        NewImage: { id: { S: 'ord_1' }, total: { N: '5' } },
        ApproximateCreationDateTime: published.getTime() / 1000,
      },
    });
    expect(second?.dynamodb?.Keys).toEqual({});
    expect(second?.dynamodb?.NewImage).toEqual({ id: { S: 'ord_2' } });
  });

  it('fails a record that holds no item, and one the handler reports in batchItemFailures', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'stream', source: 'dynamodb' });
    // Act
    const result = await invoke(fn, [
      streamRecord({ body: 'plain text', sequence: '1' }),
      streamRecord({ body: { fail: true }, sequence: '2' }),
    ]);
    // Assert: a stream is ordered, so the first failure fails everything after it too
    expect(result.failures.map((f) => f.id)).toEqual(['1', '2']);
    expect(result.failures[0]?.error).toMatchObject({ code: 'INVALID_EVENT' });
    expect(seen).toHaveLength(0);
    const second = await invoke(fn, streamRecord({ body: { fail: true }, sequence: '3' }));
    expect((second.failures[0]?.error as Error | undefined)?.message).toMatch(/reported record 3 in batchItemFailures/);
  });

  it('runs on Azure from an Event Hubs batch', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'stream', name: 'orders', source: 'dynamodb' });
    // Act
    await invokeAzure(fn, azure.eventHubBatch([{ id: 'ord_1' }, { ...keys, NewImage: { id: { S: 'ord_2' } } }]));
    // Assert
    expect(seen.map((e) => unmarshall(e.Records[0]?.dynamodb?.NewImage))).toEqual([{ id: 'ord_1' }, { id: 'ord_2' }]);
  });

  it('gets the DynamoDB Streams record itself on Lambda', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const event = aws.dynamodb([{ keys: { id: 'ord_1' }, after: { id: 'ord_1', fail: true }, sequenceNumber: '77' }]);
    // Act
    const result = await toLambda(fromLambda(handler, { kind: 'stream', source: 'dynamodb' }))(
      event,
      aws.lambdaContext(),
    );
    // Assert
    expect(seen[0]?.Records[0]).toBe(event.Records[0]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '77' }] });
  });
});

describe('stream and changes handlers written for an EventBridge Pipe', () => {
  it('pipe-kinesis: a one-record array of flattened Kinesis records', async () => {
    // Prepare
    const seen: PipedKinesisRecord[][] = [];
    const fn = fromLambda(
      async (records: PipedKinesisRecord[]) => {
        seen.push(records);
        for (const r of records) if (Buffer.from(r.data, 'base64').toString() === 'bad') throw new Error('bad');
      },
      { kind: 'stream', name: 'clicks', source: 'pipe-kinesis' },
    );
    // Act
    const result = await invoke(fn, [
      streamRecord({ body: { click: 1 }, partitionKey: 'u-1', sequence: '10' }),
      streamRecord({ body: 'bad', sequence: '11' }),
    ]);
    // Assert
    expect(result.failures.map((f) => f.id)).toEqual(['11']);
    expect(seen[0]).toHaveLength(1);
    expect(seen[0]?.[0]).toMatchObject({
      partitionKey: 'u-1',
      sequenceNumber: '10',
      data: Buffer.from('{"click":1}').toString('base64'),
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test-stream',
    });
    expect(seen[0]?.[0]).not.toHaveProperty('kinesis');
  });

  it('pipe-dynamodb and changes pipe: a one-record array of DynamoDB Streams records', async () => {
    // Prepare
    const streamed: DynamoDBRecord[][] = [];
    const changed: DynamoDBRecord[][] = [];
    const onStream = fromLambda(
      async (records: DynamoDBRecord[]) => {
        streamed.push(records);
      },
      { kind: 'stream', source: 'pipe-dynamodb' },
    );
    const onChange = fromLambda(
      async (records: DynamoDBRecord[]) => {
        changed.push(records);
        return { batchItemFailures: [{ itemIdentifier: records[0]?.dynamodb?.SequenceNumber ?? '' }] };
      },
      { kind: 'changes', collection: 'orders', source: 'pipe' },
    );
    // Act
    await invoke(onStream, streamRecord({ body: { id: 'ord_1' }, partitionKey: '{"id":"ord_1"}' }));
    const result = await invoke(
      onChange,
      changeEvent({ op: 'update', collection: 'orders', key: { id: 'o-1' }, after: { id: 'o-1', total: 2 } }),
    );
    const azureRun = invokeAzure(onChange, azure.cosmosDocuments([{ id: 'o-2', total: 3 }]));
    // Assert
    expect(streamed[0]).toHaveLength(1);
    expect(streamed[0]?.[0]).toMatchObject({ eventName: 'INSERT', dynamodb: { Keys: { id: { S: 'ord_1' } } } });
    expect(changed[0]).toHaveLength(1);
    expect(changed[0]?.[0]).toMatchObject({
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: { id: { S: 'o-1' } }, NewImage: { id: { S: 'o-1' }, total: { N: '2' } } },
    });
    expect(result.ok).toBe(false);
    expect((await azureFailure(azureRun))[1]).toMatch(/reported record .* in batchItemFailures/);
    expect(changed[1]?.[0]?.dynamodb?.NewImage).toMatchObject({ id: { S: 'o-2' }, total: { N: '3' } });
  });
});

describe('a storage handler written for S3 events through EventBridge (source: s3-eventbridge)', () => {
  function recorder() {
    const seen: S3EventBridgeEvent[] = [];
    const handler = async (event: S3EventBridgeEvent) => {
      seen.push(event);
      if (event.detail.object.key.endsWith('.bad')) throw new Error(`cannot read ${event.detail.object.key}`);
    };
    return { seen, handler };
  }

  it("gets an 'Object Created' or 'Object Deleted' event made from the storage event", async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'storage', bucket: 'uploads', source: 's3-eventbridge' });
    const time = new Date('2026-03-01T10:20:30.456Z');
    // Act
    await invoke(fn, storageEvent({ bucket: 'uploads', key: 'My Photos/a+b.png', size: 3, etag: 'abc', time }));
    await invoke(fn, storageEvent({ type: 'deleted', bucket: 'uploads', key: 'old.txt', time }));
    // Assert
    expect(seen[0]).toMatchObject({
      version: '0',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2026-03-01T10:20:30Z',
      region: 'us-east-1',
      resources: ['arn:aws:s3:::uploads'],
      detail: {
        version: '0',
        bucket: { name: 'uploads' },
        object: { key: 'My Photos/a+b.png', size: 3, etag: 'abc' },
        reason: 'PutObject',
      },
    });
    expect(seen[1]).toMatchObject({
      'detail-type': 'Object Deleted',
      detail: { object: { key: 'old.txt' }, reason: 'DeleteObject', 'deletion-type': 'Permanently Deleted' },
    });
    expect(seen[1]?.detail.object).not.toHaveProperty('size');
  });

  it('fails the event it throws for, through invoke(), on Azure and on GCP', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const fn = fromLambda(handler, { kind: 'storage', bucket: 'uploads', source: 's3-eventbridge' });
    // Act
    const local = await invoke(fn, storageEvent({ bucket: 'uploads', key: 'x.bad' }));
    const onAzure = invokeAzure(fn, azure.blob({ container: 'uploads', name: 'y.bad', content: 'data' }));
    const onGcp = await invokeGcp(fn, gcp.storageCloudEvent({ bucket: 'uploads', name: 'z.bad' }));
    const fine = await invokeGcp(fn, gcp.storageCloudEvent({ bucket: 'uploads', name: 'z.txt', size: 4 }));
    // Assert
    expect(local.ok).toBe(false);
    expect(await azureFailure(onAzure)).toEqual(['BatchFailedError', 'cannot read y.bad']);
    expect([onGcp.status, fine.status]).toEqual([500, 204]);
    expect(seen.map((e) => [e['detail-type'], e.detail.object.key])).toEqual([
      ['Object Created', 'x.bad'],
      ['Object Created', 'y.bad'],
      ['Object Created', 'z.bad'],
      ['Object Created', 'z.txt'],
    ]);
  });

  it('gets the EventBridge event itself on Lambda', async () => {
    // Prepare
    const { seen, handler } = recorder();
    const event = aws.s3EventBridge({ bucket: 'uploads', key: 'a.png' });
    // Act
    await toLambda(fromLambda(handler, { kind: 'storage', source: 's3-eventbridge' }))(event, aws.lambdaContext());
    // Assert
    expect(seen).toEqual([event]);
    expect(seen[0]).toBe(event);
  });
});

describe('the default sources', () => {
  it('still make SQS, Kinesis, DynamoDB Streams and S3 events', async () => {
    // Prepare
    const seen: unknown[] = [];
    const record = async (event: unknown) => {
      seen.push(event);
    };
    // Act
    await invoke(fromLambda(record, { kind: 'queue' }), message({ body: {} }));
    await invoke(fromLambda(record, { kind: 'stream' }), streamRecord({ body: {} }));
    await invoke(fromLambda(record, { kind: 'changes' }), changeEvent({ key: { id: 'a' } }));
    await invoke(fromLambda(record, { kind: 'storage' }), storageEvent({}));
    // Assert
    const [sqs, kinesis, dynamodb, s3] = seen as [
      { Records: SQSRecord[] },
      KinesisStreamEvent,
      DynamoDBStreamEvent,
      S3Event,
    ];
    expect(sqs.Records[0]?.eventSource).toBe('aws:sqs');
    expect(kinesis.Records[0]?.eventSource).toBe('aws:kinesis');
    expect(dynamodb.Records[0]?.eventSource).toBe('aws:dynamodb');
    expect(s3.Records[0]?.eventSource).toBe('aws:s3');
  });
});

describe('fromLambda() source', () => {
  it.each([
    ['http', 'sqs', 'apigw-v2, apigw-v1, alb'],
    ['queue', 'apigw-v1', 'sqs, sns, pipe'],
    ['stream', 'pipe', 'kinesis, dynamodb, pipe-kinesis, pipe-dynamodb'],
    ['changes', 'kinesis', 'dynamodb, pipe'],
    ['storage', 's3-events', 's3, s3-eventbridge'],
  ])('refuses a %s function a source %j when it is defined, naming the ones it takes', (kind, source, allowed) => {
    // Act
    let error: unknown;
    try {
      fromLambda(async () => undefined, { kind, source } as never);
    } catch (caught) {
      error = caught;
    }
    // Assert
    expect(error).toBeInstanceOf(SkyportError);
    expect(error).toMatchObject({ code: 'INVALID_DEFINITION', adapter: 'aws', kind });
    expect((error as Error).message).toBe(
      `fromLambda({ kind: '${kind}' }) source must be one of ${allowed}, got ${JSON.stringify(source)}`,
    );
  });

  it('refuses a source that is no string, and keeps it out of the kind options', () => {
    expect(() => fromLambda(async () => undefined, { kind: 'queue', source: 5 } as never)).toThrow(
      "fromLambda({ kind: 'queue' }) source must be one of sqs, sns, pipe, got number",
    );
    const fn = fromLambda(async () => undefined, { kind: 'queue', name: 'orders', source: 'sns' });
    expect(fn.options).not.toHaveProperty('source');
    expect(fn.options).toMatchObject({ name: 'orders' });
  });
});
