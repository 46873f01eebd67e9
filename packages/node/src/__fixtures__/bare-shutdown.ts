/**
 * A server with no OpenTelemetry SDK that serves one request, then sends itself SIGTERM: on exit
 * it prints whether anything registered with the OpenTelemetry API and which OpenTelemetry
 * modules were loaded (none should be: the shutdown only flushes an SDK that is there).
 */
import { createRequire } from 'node:module';
import { http } from '@skyport/core';
import { serve } from '../serve.js';
import { gracefulShutdown } from '../shutdown.js';

const ping = http({ method: 'GET', path: '/ping' }).handle(() => 'pong');
const server = await serve({ ping }, { port: 0, host: '127.0.0.1', announce: false });
gracefulShutdown(server);
const answered = await (await fetch(`${server.url}/ping`)).text();
process.on('exit', () => {
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => path.includes('@opentelemetry'));
  const registry = Symbol.for('opentelemetry.js.api.1') in globalThis;
  process.stdout.write(JSON.stringify({ answered, registry, loaded }));
});
process.kill(process.pid, 'SIGTERM');
