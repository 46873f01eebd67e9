/** The order schema of the observability guide's example. */
import { z } from 'zod';

/** An order as posted: who, and what. */
export const Order = z.object({
  customer: z.string().min(1),
  lines: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
});
