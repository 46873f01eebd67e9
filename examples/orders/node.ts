/**
 * The orders service on plain Node: `npm start` (or `node --import tsx examples/orders/node.ts`)
 * serves every function on `PORT` (default 3000). The same `functions` deploy unchanged to
 * Lambda, Azure and GCP; this file only picks the runtime.
 */
import { gracefulShutdown, serve } from '@skyport/node';
import { functions } from './src/functions.js';

// No `port` option: serve() reads PORT itself, as decimal digits (blank is unset, default 3000).
const server = await serve(functions, {
  // A public API: the unauthenticated `/_skyport/<name>` event routes only outside production.
  eventRoutes: process.env.NODE_ENV !== 'production',
});
gracefulShutdown(server);

const base = server.url;
const order = JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] });
console.log(`
Try it (Ctrl+C stops the server):
  curl -i -X POST ${base}/orders -H 'content-type: application/json' -d '${order}'
  curl -s ${base}/orders
  curl -s ${base}/orders/ord_1
  curl -sN ${base}/orders/export   # NDJSON, streamed as it is read
  curl -s -X POST ${base}/_skyport/fulfilOrder -H 'content-type: application/json' -d '{"body":{"orderId":"ord_1"}}'
  curl -s -X POST ${base}/_skyport/receiptUploaded -H 'content-type: application/json' -d '{"key":"receipts/ord_1.pdf","size":1024}'
  curl -s -X POST ${base}/_skyport/nightlyReport
  curl -i -X DELETE ${base}/orders/ord_1   # 409: a fulfilled order cannot be cancelled
  curl -i -X POST ${base}/orders -H 'content-type: application/json' -d '${order}'
  curl -i -X DELETE ${base}/orders/ord_2   # 204: a pending one can
`);
