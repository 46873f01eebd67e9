/** A stand-in for the observability guide's order store: in memory, ids `o-981`, `o-982`, ... */
import type { z } from 'zod';
import type { Order } from './schemas.js';

let last = 980;

/** Saves an order and returns it with its id. */
export const orders = {
  async create(input: z.infer<typeof Order>): Promise<z.infer<typeof Order> & { id: string }> {
    last += 1;
    return { id: `o-${last}`, ...input };
  },
};
