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
  list(filter: { status?: Order['status'] | undefined; limit: number }): Promise<Order[]>;
  /**
   * Every order (of one status), read page by page as a database cursor reads them: a large
   * export is never held in memory whole.
   */
  scan(filter: { status?: Order['status'] | undefined }): AsyncIterable<Order>;
  /** How many orders there are (of one status). */
  count(filter: { status?: Order['status'] }): Promise<number>;
  /**
   * Moves an order to `to` only if its status is one of `from`, in one conditional write (a
   * DynamoDB `ConditionExpression`, a Cosmos DB etag, a Firestore precondition), so a cancel and
   * a fulfilment racing, or a message delivered twice, cannot both win. Resolves to the order
   * after the write, `'conflict'` when its status was another, `undefined` when there is none.
   */
  transition(
    id: string,
    from: readonly Order['status'][],
    to: Order['status'],
  ): Promise<Order | 'conflict' | undefined>;
  /** Sets the receipt of an order; `undefined` when there is none. */
  attachReceipt(id: string, key: string): Promise<Order | undefined>;
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
      // Summed in cents, so 3 × 0.10 is 0.30 and not 0.30000000000000004.
      const cents = input.lines.reduce((sum, line) => sum + line.qty * Math.round(line.unitPrice * 100), 0);
      const total = cents / 100;
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
    async *scan({ status }) {
      for (const order of [...orders.values()]) {
        if (status === undefined || order.status === status) yield order;
      }
    },
    async count({ status }) {
      return [...orders.values()].filter((order) => status === undefined || order.status === status).length;
    },
    async transition(id, from, to) {
      // Read and write in one step, as a conditional write does: no await in between.
      const order = orders.get(id);
      if (!order) return undefined;
      if (!from.includes(order.status)) return 'conflict';
      const updated = { ...order, status: to };
      orders.set(id, updated);
      return updated;
    },
    async attachReceipt(id, key) {
      const order = orders.get(id);
      if (!order) return undefined;
      const updated = { ...order, receipt: key };
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
