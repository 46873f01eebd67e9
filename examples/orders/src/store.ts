/**
 * The orders store: a small interface the functions depend on, with an in-memory implementation
 * for local runs and tests. A deployment swaps in DynamoDB, Cosmos DB or Firestore behind the
 * same interface; the functions do not change.
 */
import type { NewOrder, Order } from './schemas.js';

/** What the functions need from storage. */
export interface OrderStore {
  create(input: NewOrder): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  list(filter: { status?: Order['status']; limit: number }): Promise<Order[]>;
  update(id: string, patch: Partial<Pick<Order, 'status' | 'receipt'>>): Promise<Order | undefined>;
}

/**
 * An in-memory store, ids `ord_1`, `ord_2`, ...
 *
 * @example
 * const store = createMemoryStore();
 * const order = await store.create({ customer: 'a@b.example', lines: [{ sku: 'x', qty: 1, unitPrice: 5 }] });
 */
export function createMemoryStore(now: () => Date = () => new Date()): OrderStore {
  const orders = new Map<string, Order>();
  let next = 0;
  return {
    async create(input) {
      const id = `ord_${++next}`;
      const total = input.lines.reduce((sum, line) => sum + line.qty * line.unitPrice, 0);
      const order: Order = { ...input, id, status: 'pending', total, createdAt: now().toISOString() };
      orders.set(id, order);
      return order;
    },
    async get(id) {
      return orders.get(id);
    },
    async list({ status, limit }) {
      return [...orders.values()].filter((order) => status === undefined || order.status === status).slice(0, limit);
    },
    async update(id, patch) {
      const order = orders.get(id);
      if (!order) return undefined;
      const updated = { ...order, ...patch };
      orders.set(id, updated);
      return updated;
    },
  };
}

let current: OrderStore = createMemoryStore();

/** The store the functions use. */
export function store(): OrderStore {
  return current;
}

/**
 * Replaces the store (tests, or a deployment wiring a real database).
 *
 * @example
 * useStore(createMemoryStore());
 */
export function useStore(next: OrderStore): void {
  current = next;
}
