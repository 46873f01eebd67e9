/** Schemas of the orders service: what clients send and what the queue carries. */
import { z } from 'zod';

/** A line of an order: bounded, so no order overflows a total or a database item. */
export const OrderLine = z.object({
  sku: z.string().min(1).max(64),
  qty: z.number().int().positive().max(1000),
  unitPrice: z.number().nonnegative().max(1_000_000).multipleOf(0.01),
});

/** The body of `POST /orders`. */
export const NewOrder = z.object({
  customer: z.email(),
  lines: z.array(OrderLine).min(1).max(100),
});

/** An order as stored and returned. */
export const Order = NewOrder.extend({
  id: z.string(),
  status: z.enum(['pending', 'fulfilled', 'cancelled']),
  total: z.number(),
  createdAt: z.string(),
  receipt: z.string().optional(),
});

/** The message that asks for an order to be fulfilled. */
export const FulfilOrder = z.object({ orderId: z.string().min(1) });

/** Path parameters of `/orders/:id`. */
export const OrderParams = z.object({ id: z.string().min(1) });

/** Query of `GET /orders`. */
export const ListQuery = z.object({
  status: z.enum(['pending', 'fulfilled', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** Query of `GET /orders/export`. */
export const ExportQuery = z.object({
  status: z.enum(['pending', 'fulfilled', 'cancelled']).optional(),
});

export type NewOrder = z.infer<typeof NewOrder>;
export type Order = z.infer<typeof Order>;
