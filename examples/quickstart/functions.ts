import { http, NotFound, queue } from '@skyport/core';
import { z } from 'zod';

const Todo = z.object({ title: z.string().min(1), done: z.boolean().default(false) });
const todos = new Map<string, z.infer<typeof Todo>>();

export const createTodo = http({ method: 'POST', path: '/todos', body: Todo }).handle(async (req) => {
  const id = String(todos.size + 1);
  todos.set(id, req.body); // req.body: { title: string; done: boolean }
  return { status: 201, headers: { location: `/todos/${id}` }, body: { id, ...req.body } };
});

export const getTodo = http({ method: 'GET', path: '/todos/:id' }).handle(async (req) => {
  const todo = todos.get(req.params.id);
  if (!todo) throw new NotFound(`no todo ${req.params.id}`); // 404 application/problem+json
  return { id: req.params.id, ...todo };
});

export const reminders = queue({ name: 'reminders', body: z.object({ id: z.string() }) }).handle(
  async (msg, ctx) => ctx.log.info({ todo: msg.body.id }, 'remind'), // a throw retries this message only
);
