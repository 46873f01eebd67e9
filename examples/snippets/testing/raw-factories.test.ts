/** docs/testing.md, "Raw cloud events": the factories each namespace holds. */
import { aws, azure, gcp } from '@skyport/testing';
import { expect, it } from 'vitest';

it('exports the raw factories the guide lists', () => {
  expect(Object.keys(aws).sort()).toEqual(
    [
      'apiGatewayV1',
      'apiGatewayV2',
      'functionUrl',
      'alb',
      'sqs',
      'sns',
      's3',
      's3EventBridge',
      'eventBridge',
      'scheduled',
      'kinesis',
      'dynamodb',
      'lambdaContext',
    ].sort(),
  );
  expect(Object.keys(azure).sort()).toEqual(
    [
      'httpRequest',
      'invocationContext',
      'queueMessage',
      'serviceBusMessage',
      'serviceBusBatch',
      'eventHubBatch',
      'blob',
      'eventGrid',
      'eventGridCloudEvent',
      'eventGridBlob',
      'timer',
      'cosmosDocuments',
    ].sort(),
  );
  expect(Object.keys(gcp).sort()).toEqual(
    [
      'pubsub',
      'pubsubCloudEvent',
      'pubsubPush',
      'storageCloudEvent',
      'firestoreCloudEvent',
      'toFirestoreValue',
      'toFirestoreFields',
      'schedulerHttpHeaders',
      'cloudEvent',
      'binaryMode',
    ].sort(),
  );
  const options = { data: { orderId: 'ord_1' }, messageId: 'p1', publishTime: '2026-01-01T00:00:00Z' };
  expect(gcp.pubsub(options)).toEqual(gcp.pubsubCloudEvent(options));
});
