import { httpRequest, invoke, message } from '@skyport/testing';
import { expect, it } from 'vitest';
import { createTodo, getTodo, reminders } from './functions.js';

it('creates and reads a todo', async () => {
  const res = await invoke(createTodo, httpRequest({ method: 'POST', path: '/todos', body: { title: 'ship it' } }));
  expect(res.status).toBe(201);
  expect(res.body).toEqual({ id: '1', title: 'ship it', done: false });
  expect((await invoke(getTodo, httpRequest({ path: '/todos/1' }))).body).toEqual(res.body);
  expect((await invoke(getTodo, httpRequest({ path: '/todos/2' }))).status).toBe(404);
});

it('fails a reminder without an id', async () => {
  const out = await invoke(reminders, [message({ id: 'a', body: { id: '1' } }), message({ id: 'b', body: {} })]);
  expect(out.failures.map((f) => f.id)).toEqual(['b']);
});
