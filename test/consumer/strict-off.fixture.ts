/**
 * A consumer compiled without `strictNullChecks` (`strict: false`, or `strict: true` with
 * `strictNullChecks: false`): a request part with no schema keeps its default type, not
 * `unknown`, though `undefined` is assignable to a schema there. Checked by
 * `strict-off.test.ts` with those options, and by the repository's own strict type check.
 */
import { changes, events, http, queue, stream } from '@skyport/core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';

export const getTodo = http({ method: 'GET', path: '/todos/:id' }).handle((req) => {
  expectTypeOf(req.params.id).toEqualTypeOf<string>();
  expectTypeOf(req.query).toEqualTypeOf<Readonly<Record<string, string>>>();
  expectTypeOf(req.body).toEqualTypeOf<unknown>();
  return { id: req.params.id, agent: req.headers['user-agent'], page: req.query.page };
});

export const createTodo = http({ method: 'POST', path: '/todos', body: z.object({ title: z.string() }) }).handle(
  (req) => {
    expectTypeOf(req.body.title).toEqualTypeOf<string>();
    return { status: 201, body: req.body };
  },
);

// zod's input type of a transformed key is optional without strictNullChecks: the path still binds it.
export const getPage = http({
  method: 'GET',
  path: '/todos/:id/pages/:page',
  params: z.object({ id: z.string(), page: z.string().transform(Number) }),
}).handle((req) => {
  expectTypeOf(req.params.page).toEqualTypeOf<number>();
  return { page: req.params.page };
});

export const audit = changes({ collection: 'orders' }).handle((change) => {
  expectTypeOf(change.after).toEqualTypeOf<Record<string, unknown> | undefined>();
  return change.after?.total;
});

export const ship = queue({ name: 'orders' }).handle((msg) => expectTypeOf(msg.body).toEqualTypeOf<unknown>());
export const clicks = stream({ name: 'clicks' }).handle((record) => expectTypeOf(record.body).toEqualTypeOf<unknown>());
export const signup = events({ type: 'user.created' }).handle((event) =>
  expectTypeOf(event.data).toEqualTypeOf<unknown>(),
);
