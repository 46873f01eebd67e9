/** docs/testing.md, "Raw cloud events": the orders queue function through the Lambda and GCP adapters. */
import { invokeLambda } from '@skyport/aws';
import { invokeGcp } from '@skyport/gcp';
import { aws, gcp } from '@skyport/testing';
import { expect, it } from 'vitest';
import { fulfilOrder } from './src/functions.js';
import { store } from './src/store.js';

it('fulfils orders from SQS and from a Pub/Sub push', async () => {
  const order = await store().create({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] });

  const result = await invokeLambda(
    fulfilOrder,
    aws.sqs([
      { id: 'm1', body: { orderId: order.id } },
      { id: 'm2', body: { orderId: 'ord_missing' } },
    ]),
  );
  expect(result?.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);

  const pushed = await invokeGcp(fulfilOrder, gcp.pubsubPush({ data: { orderId: order.id } }));
  expect(pushed.status).toBe(204);
});
