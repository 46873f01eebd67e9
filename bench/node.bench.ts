/**
 * `serve()` against a bare `node:http` server doing the same work, over loopback with autocannon:
 * GET JSON (route match + JSON response) and a validated JSON POST (read body, JSON.parse, zod,
 * 201 JSON). Each server runs in a child process of its own, as a deployed server would, so the
 * load generator (this process) never competes with them for the same event loop and neither
 * server shares the JIT state of node's HTTP internals with the other. Cases are interleaved
 * over rounds so drift on a shared machine hits them alike, taking turns to go first. Prints
 * the median requests/s and p99 of each and the ratios (each the median over rounds of that
 * round's ratio), with the server's CPU time per request (which does not depend on how fast the
 * load generator is).
 * Targets: >= 0.9x requests/s on GET, >= 0.85x on the validated POST, p99 <= 1.3x raw.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { http, router } from '@skyport/core';
import { serve } from '@skyport/node';
import { z } from 'zod';

const Order = z.object({
  customer: z.string().min(1),
  lines: z.array(z.object({ sku: z.string().min(1), qty: z.number().int().positive(), unitPrice: z.number() })).min(1),
});
const stored = { id: 'ord_1', customer: 'ada@example.com', status: 'pending', total: 25 };
const body = JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 2, unitPrice: 12.5 }] });

// ---------------------------------------------------------------------------------------------
// The servers (one child process each)
// ---------------------------------------------------------------------------------------------

function rawHandler(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/orders/')) {
    const id = decodeURIComponent(url.slice('/orders/'.length));
    const text = JSON.stringify({ ...stored, id });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  if (req.method === 'POST' && url === '/orders') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let status = 201;
      let text: string;
      try {
        const parsed = Order.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (parsed.success) text = JSON.stringify({ ...parsed.data, id: 'ord_2', status: 'pending' });
        else {
          status = 422;
          text = JSON.stringify({ title: 'Unprocessable Content', status, errors: parsed.error.issues });
        }
      } catch {
        status = 400;
        text = '{"title":"Bad Request"}';
      }
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    return;
  }
  res.writeHead(404);
  res.end();
}

async function runServer(which: string): Promise<void> {
  let port: number;
  if (which === 'raw') {
    const raw = createServer(rawHandler);
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    port = (raw.address() as AddressInfo).port;
  } else {
    const api = router(
      http({ method: 'GET', path: '/orders/:id' }).handle((req) => ({ ...stored, id: req.params.id })),
      http({ method: 'POST', path: '/orders', body: Order }).handle((req) => ({
        status: 201,
        body: { ...req.body, id: 'ord_2', status: 'pending' },
      })),
    );
    port = (await serve({ api }, { port: 0, host: '127.0.0.1', announce: false })).port;
  }
  process.stdout.write(`${port}\n`);
  // Each line on stdin asks for the CPU time used so far, so the parent can charge it per case.
  process.stdin.setEncoding('utf8').on('data', () => {
    const usage = process.cpuUsage();
    process.stdout.write(`${usage.user + usage.system}\n`);
  });
}

// ---------------------------------------------------------------------------------------------
// The load generator (this process)
// ---------------------------------------------------------------------------------------------

interface CannonResult {
  readonly requests: { readonly average: number };
  readonly non2xx: number;
  readonly errors: number;
}
interface CannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Cannon = (
  options: Record<string, unknown>,
  done: (error: Error | null, result: CannonResult) => void,
) => CannonInstance;

// autocannon ships no type declarations; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

interface Scenario {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly target: number;
}

const scenarios: Scenario[] = [
  { name: 'GET JSON', method: 'GET', path: '/orders/ord_1', target: 0.9 },
  { name: 'validated POST', method: 'POST', path: '/orders', body, target: 0.85 },
];
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const connections = 32;

interface Shot {
  readonly requests: number;
  /** The 99th percentile response time in ms, from each response's own time (autocannon's histogram keeps whole ms). */
  readonly p99: number;
}

function shoot(port: number, scenario: Scenario, duration: number): Promise<Shot> {
  const times: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${scenario.path}`,
        method: scenario.method,
        headers: { 'content-type': 'application/json' },
        body: scenario.body,
        connections,
        pipelining: 1,
        duration,
      },
      (error, result) => {
        if (error) return reject(error);
        if (result.errors > 0 || result.non2xx > 0) {
          const counts = `${result.errors} errors, ${result.non2xx} non-2xx responses`;
          return reject(new Error(`${scenario.name} on port ${port}: ${counts}`));
        }
        times.sort((a, b) => a - b);
        resolve({ requests: result.requests.average, p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN });
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => times.push(ms));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The median over rounds of `values[i] / bases[i]`. */
function pairedRatio(values: readonly number[], bases: readonly number[]): number {
  return median(values.map((value, i) => value / (bases[i] ?? Number.NaN)));
}

/** One server in its own process. */
interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  /** CPU microseconds the server process has used so far. */
  cpu(): Promise<number>;
}

async function startServer(which: 'raw' | 'skyport'): Promise<Server> {
  // The servers run as plain node, like users run them: a TypeScript loader is only needed when
  // this script runs from source (it also rewrites the built packages, which distorts the numbers).
  const self = fileURLToPath(import.meta.url);
  const loader = self.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...loader, self, '--serve', which], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const lines: string[] = [];
  let waiting: ((line: string) => void) | undefined;
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(line);
      } else lines.push(line);
      newline = pending.indexOf('\n');
    }
  });
  let exited: Error | undefined;
  child.once('exit', (code) => {
    exited = new Error(`the ${which} server process exited with ${code}`);
    waiting?.('');
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const queued = lines.shift();
      if (queued !== undefined) resolve(queued);
      else if (exited) reject(exited);
      else waiting = (line) => (exited ? reject(exited) : resolve(line));
    });
  const port = Number(await nextLine());
  return {
    child,
    port,
    cpu: async () => {
      child.stdin?.write('cpu\n');
      return Number(await nextLine());
    },
  };
}

async function main(): Promise<void> {
  const servers = { raw: await startServer('raw'), skyport: await startServer('skyport') };
  let missed = 0;
  try {
    console.log(`${connections} connections, ${rounds} interleaved rounds of ${seconds}s per case, loopback`);
    for (const scenario of scenarios) {
      await shoot(servers.raw.port, scenario, 1);
      await shoot(servers.skyport.port, scenario, 1);
      const rps = { raw: [] as number[], skyport: [] as number[] };
      const p99 = { raw: [] as number[], skyport: [] as number[] };
      const cpu = { raw: [] as number[], skyport: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        // The cases take turns going first, so neither always follows the other.
        const order = ['raw', 'skyport'] as const;
        for (const which of round % 2 === 0 ? order : [...order].reverse()) {
          const server = servers[which];
          const before = await server.cpu();
          const result = await shoot(server.port, scenario, seconds);
          const used = (await server.cpu()) - before;
          rps[which].push(result.requests);
          p99[which].push(result.p99);
          cpu[which].push(used / Math.max(1, result.requests * seconds));
        }
      }
      const r = { raw: median(rps.raw), skyport: median(rps.skyport) };
      const l = { raw: median(p99.raw), skyport: median(p99.skyport) };
      // Ratios are medians of each round's ratio: the two cases of a round run back to back, so
      // a slow phase of a shared machine weighs on both.
      const ratio = pairedRatio(rps.skyport, rps.raw);
      const latencyRatio = pairedRatio(p99.skyport, p99.raw);
      const cpuRatio = pairedRatio(cpu.skyport, cpu.raw);
      const okRps = ratio >= scenario.target;
      const okP99 = latencyRatio <= 1.3;
      if (!okRps || !okP99) missed++;
      console.log(`\n${scenario.name}`);
      console.log(`  node:http raw   ${r.raw.toFixed(0).padStart(7)} req/s  p99 ${l.raw.toFixed(2).padStart(5)} ms`);
      console.log(
        `  skyport serve() ${r.skyport.toFixed(0).padStart(7)} req/s  p99 ${l.skyport.toFixed(2).padStart(5)} ms`,
      );
      console.log(
        `  ratio ${ratio.toFixed(2)}x req/s (target >= ${scenario.target}x: ${okRps ? 'met' : 'MISSED'}), ` +
          `p99 ${latencyRatio.toFixed(2)}x (target <= 1.3x: ${okP99 ? 'met' : 'MISSED'}), ` +
          `server CPU per request ${cpuRatio.toFixed(2)}x`,
      );
    }
  } finally {
    servers.raw.child.kill('SIGTERM');
    servers.skyport.child.kill('SIGTERM');
  }
  if (missed > 0) console.log(`\nserve(): ${missed} target(s) missed`);
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) await runServer(process.argv[serveIndex + 1] ?? 'skyport');
else await main();
