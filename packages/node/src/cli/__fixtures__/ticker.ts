/** An endless server-sent events stream, for the CLI's reload tests. */
import { http } from '@skyport/core';

export const ticker = http({ method: 'GET', path: '/ticker', stream: true }).handle(() => ({
  status: 200,
  headers: { 'content-type': 'text/event-stream' },
  body: (async function* () {
    for (let n = 0; ; n++) {
      yield `data: ${n}\n\n`;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })(),
}));
