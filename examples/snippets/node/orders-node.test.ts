/**
 * docs/node.md, "Serving functions": `examples/orders/node.ts` run as `npm start` runs it (on a
 * free loopback port here), its startup output, and its graceful stop on SIGTERM.
 */
import { expect, it } from 'vitest';
import { run } from './child.js';

// As docs/node.md shows it, but on the loopback address `HOST` names here instead of every interface.
const announced = `skyport: serving 4 functions at http://127.0.0.1:PORT
  GET     /orders                    api
  GET     /orders/export             api
  GET     /orders/:id                api
  POST    /orders                    api
  DELETE  /orders/:id                api
  POST    /_skyport/fulfilOrder      fulfilOrder (queue event as JSON)
  POST    /_skyport/receiptUploaded  receiptUploaded (storage event as JSON)
  POST    /_skyport/nightlyReport    nightlyReport (schedule event as JSON)
`;

it('serves the orders example, prints its routes and stops on SIGTERM', async () => {
  const child = run('examples/orders/node.ts');
  try {
    const [, port] = await child.waitFor(/at http:\/\/127\.0\.0\.1:(\d+)\n(?:.*\n){8}/);
    expect(child.stdout().startsWith(announced.replace('PORT', port ?? ''))).toBe(true);
    // Then the example's own block of curl lines to paste.
    await child.waitFor(/Try it \(Ctrl\+C stops the server\):\n(?:.*\n){10}/);
    expect(child.stdout().slice(announced.replace('PORT', port ?? '').length)).toMatch(
      new RegExp(
        `^\\nTry it \\(Ctrl\\+C stops the server\\):\\n  curl -i -X POST http://127\\.0\\.0\\.1:${port}/orders -H 'content-type: application/json' -d '\\{"customer":"ada@example\\.com",`,
      ),
    );

    const created = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/orders/ord_1');

    child.process.kill('SIGTERM');
    expect(await child.exited()).toBe(0);
    expect(child.stderr()).toBe('skyport: SIGTERM received, finishing 0 in-flight requests\nskyport: stopped\n');
  } finally {
    child.process.kill('SIGKILL');
  }
});
