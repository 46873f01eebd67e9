/**
 * The orders service: portable business logic only. Nothing here imports a cloud SDK or an
 * adapter; `../aws.ts`, `../azure/`, `../gcp/` and `../node.ts` deploy these same functions.
 */
import { Conflict, cors, http, NotFound, queue, router, schedule, storage } from '@skyport/core';
import { ExportQuery, FulfilOrder, ListQuery, NewOrder, Order, OrderParams } from './schemas.js';
import { store } from './store.js';

/** `GET /orders?status=&limit=`: list orders. */
export const listOrders = http({ method: 'GET', path: '/orders', query: ListQuery }).handle(async (req) => ({
  orders: await store().list({ status: req.query.status, limit: req.query.limit }),
}));

/**
 * `GET /orders/export?status=`: every order as NDJSON, one line each, sent as the store reads them
 * (on `serve()`, Cloud Run, Azure with HTTP streams, Lambda response streaming; whole elsewhere).
 */
export const exportOrders = http({ method: 'GET', path: '/orders/export', query: ExportQuery, stream: true }).handle(
  (req) => ({
    status: 200,
    headers: { 'content-type': 'application/x-ndjson' },
    body: orderLines(req.query.status),
  }),
);

async function* orderLines(status: Order['status'] | undefined): AsyncGenerator<string> {
  for await (const order of store().scan({ status })) yield `${JSON.stringify(order)}\n`;
}

/** `GET /orders/:id`: one order. */
export const getOrder = http({ method: 'GET', path: '/orders/:id', params: OrderParams, response: Order }).handle(
  async (req) => {
    const order = await store().get(req.params.id);
    if (!order) throw new NotFound(`no order ${req.params.id}`);
    return order;
  },
);

/** `POST /orders`: place an order (201 with a `location` header). */
export const createOrder = http({ method: 'POST', path: '/orders', body: NewOrder, response: Order }).handle(
  async (req, ctx) => {
    const order = await store().create(req.body);
    ctx.log.info({ orderId: order.id, total: order.total }, 'order created');
    return { status: 201, headers: { location: `/orders/${order.id}` }, body: order };
  },
);

/** `DELETE /orders/:id`: cancel a pending order (409 once fulfilled). Cancelling twice is a no-op. */
export const cancelOrder = http({ method: 'DELETE', path: '/orders/:id', params: OrderParams }).handle(async (req) => {
  const outcome = await store().transition(req.params.id, ['pending', 'cancelled'], 'cancelled');
  if (outcome === undefined) throw new NotFound(`no order ${req.params.id}`);
  if (outcome === 'conflict') throw new Conflict(`order ${req.params.id} is already fulfilled`);
  return undefined;
});

/** The HTTP API: every route above behind one function, with CORS. */
export const api = router(listOrders, exportOrders, getOrder, createOrder, cancelOrder).use(cors());

/**
 * Fulfils orders from the `orders` queue. Queues deliver at least once: only the delivery that
 * moves the order from pending does the work; a repeat, or an order cancelled meanwhile, is
 * acknowledged without it. An unknown order fails the message so it is retried.
 */
export const fulfilOrder = queue({ name: 'orders', body: FulfilOrder }).handle(async (msg, ctx) => {
  const { orderId } = msg.body;
  const outcome = await store().transition(orderId, ['pending'], 'fulfilled');
  if (outcome === undefined) throw new NotFound(`no order ${orderId}`);
  if (outcome === 'conflict') {
    ctx.log.info({ orderId, attempt: msg.attempt }, 'order not pending: nothing to fulfil');
    return;
  }
  ctx.log.info({ orderId, attempt: msg.attempt }, 'order fulfilled');
});

/** Attaches an uploaded receipt (`receipts/<orderId>.pdf`) to its order. */
export const receiptUploaded = storage({ bucket: 'receipts', on: ['created'], prefix: 'receipts/' }).handle(
  async (object, ctx) => {
    const orderId = object.key.slice('receipts/'.length).replace(/\.[^.]+$/, '');
    const order = await store().attachReceipt(orderId, object.key);
    if (!order) throw new NotFound(`receipt ${object.key} names no known order`);
    ctx.log.info({ orderId, key: object.key, size: object.size }, 'receipt attached');
  },
);

/** Every night at 03:00 UTC: log how many orders are still pending. */
export const nightlyReport = schedule({ cron: '0 3 * * *' }).handle(async (tick, ctx) => {
  const pending = await store().count({ status: 'pending' });
  ctx.log.info({ pending, scheduledTime: tick.scheduledTime.toISOString() }, 'nightly report');
});

/** Every function of the service, by deployment name. */
export const functions = { api, fulfilOrder, receiptUploaded, nightlyReport };
