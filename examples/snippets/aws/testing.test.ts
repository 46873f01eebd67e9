/** Testing Lambda entry points with `invokeLambda`, as docs/aws.md shows. */
import { invokeLambda } from '@skyport/aws';
import { aws } from '@skyport/testing';
import { expect, it } from 'vitest';
import { createOrder, fulfilOrder } from './src/functions.js';

const order = { customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] };

it('creates an order, then reports only the failed message of a batch', async () => {
  const result = await invokeLambda(createOrder, aws.apiGatewayV2({ method: 'POST', path: '/orders', body: order }));
  expect(result).toMatchObject({ statusCode: 201 });

  // ord_1 exists (created above); 'nope' does not, so only its message is reported for retry.
  const messages = aws.sqs([
    { id: 'm-1', body: { orderId: 'ord_1' } },
    { id: 'm-2', body: { orderId: 'nope' } },
  ]);
  const batch = await invokeLambda(fulfilOrder, messages);
  expect(batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
});
