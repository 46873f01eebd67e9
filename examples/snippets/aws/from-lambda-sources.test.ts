/**
 * docs/aws.md, "Migrating existing handlers": an SNS subscriber wrapped with `source: 'sns'`
 * keeps getting SNS events on Lambda and gets one made from each message on Azure (a Service Bus
 * topic subscription) and Google Cloud (Pub/Sub); a message it throws for fails.
 */
import { fromLambda, toLambda } from '@skyport/aws';
import { invokeAzure } from '@skyport/azure';
import { invokeGcp } from '@skyport/gcp';
import { aws, azure, gcp } from '@skyport/testing';
import type { SNSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

const shipped: string[] = [];
async function ship(orderId: string): Promise<void> {
  if (orderId === 'lost') throw new Error(`no address for ${orderId}`);
  shipped.push(orderId);
}

// An SNS subscriber, as it was written for Lambda.
async function shipOrder(event: SNSEvent): Promise<void> {
  for (const record of event.Records) {
    const order = JSON.parse(record.Sns.Message) as { orderId: string };
    await ship(order.orderId);
  }
}

// source: 'sns': off Lambda (a Service Bus topic, Pub/Sub) it gets an SNS event too.
const shipping = fromLambda(shipOrder, { kind: 'queue', name: 'orders', source: 'sns' });
const handler = toLambda(shipping);

describe('an SNS subscriber wrapped with source: sns', () => {
  it('runs on Lambda from SNS, on Azure from Service Bus and on Google Cloud from Pub/Sub', async () => {
    // Act
    await handler(aws.sns({ message: { orderId: 'ord_1' } }), aws.lambdaContext());
    await invokeAzure(shipping, azure.serviceBusMessage({ orderId: 'ord_2' }));
    const gcpRun = await invokeGcp(shipping, gcp.pubsubCloudEvent({ data: { orderId: 'ord_3' } }));
    // Assert
    expect(gcpRun.status).toBe(204);
    expect(shipped).toEqual(['ord_1', 'ord_2', 'ord_3']);
  });

  it('fails the message it throws for, so the platform retries it and then dead-letters it', async () => {
    // Act
    const onLambda = handler(aws.sns({ message: { orderId: 'lost' } }), aws.lambdaContext());
    const onAzure = invokeAzure(shipping, azure.serviceBusMessage({ orderId: 'lost' }));
    const onGcp = await invokeGcp(shipping, gcp.pubsubCloudEvent({ data: { orderId: 'lost' } }));
    // Assert
    await expect(onLambda).rejects.toThrow('no address for lost');
    await expect(onAzure).rejects.toMatchObject({ name: 'BatchFailedError' });
    expect(onGcp.status).toBe(500);
  });
});
