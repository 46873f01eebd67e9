/** Functions of every kind, as shown in docs/concepts.md. */
import { changes, events, http, NotFound, queue, schedule, storage, stream } from '@skyport/core';
import { z } from 'zod';

const users = new Map<string, { id: string; name: string }>();

export const getUser = http({ method: 'GET', path: '/users/:id', params: z.object({ id: z.string() }) }).handle(
  async (req) => {
    const user = users.get(req.params.id); // req.params.id: string
    if (!user) throw new NotFound(`no user ${req.params.id}`);
    return user; // 200 application/json
  },
);

export const Order = z.object({ orderId: z.string(), total: z.number() });

export const shipOrder = queue({ name: 'orders', body: Order }).handle(async (msg, ctx) => {
  ctx.log.info({ orderId: msg.body.orderId, attempt: msg.attempt }, 'shipping');
});

export const clicks = stream({ name: 'clicks' }).handle(async (record) => {
  console.log(record.partitionKey, record.body);
});

export const onUpload = storage({ bucket: 'uploads', on: ['created'], suffix: '.png' }).handle(async (object) => {
  console.log(`new image ${object.key} (${object.size} bytes)`);
});

export const nightly = schedule({ cron: '0 3 * * *' }).handle(async (tick) => {
  console.log('report for', tick.scheduledTime.toISOString());
});

export const audit = changes({ collection: 'orders', item: Order }).handle(async (change) => {
  console.log(change.op, change.before?.total, '->', change.after?.total);
});

export const onSignup = events({ type: 'user.created', data: z.object({ userId: z.string() }) }).handle(
  async (event) => {
    console.log('welcome', event.data.userId);
  },
);
