/** Functions the CLI tests invoke: each reports the name and cloud it ran under. */
import { http, queue, schedule } from '@skyport/core';

export const whoami = http({ method: 'GET', path: '/whoami' }).handle((_req, ctx) => ({
  functionName: ctx.functionName,
  cloud: ctx.cloud,
}));

export const report = schedule({ cron: '0 3 * * *' }).handle((tick, ctx) => {
  ctx.log.info({ functionName: ctx.functionName, scheduledTime: tick.scheduledTime }, 'report ran');
});

export const ship = queue({ name: 'orders' }).handle((message, ctx) => {
  ctx.log.info({ functionName: ctx.functionName, body: message.body }, 'shipped');
});
