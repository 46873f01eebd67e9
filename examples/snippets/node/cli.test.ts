/**
 * docs/node.md, "The skyport CLI": exit codes, `invoke` on every cloud, the page's examples with
 * the orders module, `events`, `serve` flags and `dev` restarts, each in a child process run as
 * the page says (`node --import tsx packages/node/src/cli.ts`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const orders = 'examples/orders/src/functions.ts';
const module = 'examples/snippets/node/cli-functions.ts';
const scratch = mkdtempSync(join(tmpdir(), 'skyport-cli-doc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `skyport ...args` to the end, with `stdin` as its input. */
function skyport(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/node/src/cli.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', SKYPORT_TSX: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** A file in the scratch folder holding `content`. */
function file(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe('exit codes', () => {
  it('prints usage on stderr and exits 2 without a command; --help exits 0', async () => {
    const none = await skyport([]);
    expect([none.code, none.stdout]).toEqual([2, '']);
    expect(none.stderr).toContain('Usage: skyport <command>');
    const help = await skyport(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('Usage: skyport <command>');
  });

  it('prints the version with --version', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/node/package.json'), 'utf8')) as { version: string };
    const run = await skyport(['--version']);
    expect([run.code, run.stdout]).toEqual([0, `${pkg.version}\n`]);
  });

  it.each([
    ['an unknown command', ['launch']],
    ['an unknown option', ['invoke', `${orders}#nightlyReport`, '--event', '-', '--nope']],
    ['a --port outside 0-65535', ['serve', orders, '--port', '65536']],
    [
      'a --headers-timeout above --request-timeout',
      ['serve', orders, '--request-timeout', '1000', '--headers-timeout', '2000'],
    ],
    ['a missing module', ['serve', 'examples/nope.ts']],
  ])('exits 2 with a message on stderr for %s', async (_name, args) => {
    const run = await skyport(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^skyport: /);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['an event file that is not JSON', `${orders}#nightlyReport`, '{"scheduledTime":'],
    ['a field of the wrong type', `${orders}#nightlyReport`, '{"scheduledTime":"not-a-date"}'],
    ['an object with neither method nor path for an http function', `${orders}#api`, '{"orderId":"ord_1"}'],
    ['a raw event of another source', `${orders}#receiptUploaded`, JSON.stringify({ Records: [] })],
  ])('exits 2 for %s, running nothing', async (_name, target, event) => {
    const run = await skyport(['invoke', target, '--event', '-'], event);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^skyport: /);
  });

  it('exits 1 for a 5xx answer of an http function', async () => {
    const run = await skyport(['invoke', `${module}#crash`, '--event', '-'], '{"path":"/crash"}');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 500 });
  });
});

describe('invoke', () => {
  it('runs the nightly report from an EventBridge scheduled sample through the Lambda adapter', async () => {
    const sample = await skyport(['events', 'aws', 'scheduled']);
    const tick = file('tick.json', sample.stdout);
    const run = await skyport(['invoke', `${orders}#nightlyReport`, '--cloud', 'aws', '--event', tick]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true });
    const line = JSON.parse(run.stderr.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'INFO',
      functionName: 'nightlyReport',
      pending: 0,
      message: 'nightly report',
    });
    expect(typeof line.timestamp).toBe('string');
    expect(typeof line.scheduledTime).toBe('string');
  });

  it('runs it from the portable tick on stdin, printing the batch result', async () => {
    const tick = await skyport(['events', 'node', 'schedule']);
    const run = await skyport(['invoke', `${orders}#nightlyReport`, '--event', '-'], tick.stdout);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, failures: [] });
  });

  it('exits 1 for receiptUploaded with the storage sample: no order in a fresh process', async () => {
    const upload = await skyport(['events', 'node', 'storage']);
    const run = await skyport(['invoke', `${orders}#receiptUploaded`, '--event', '-'], upload.stdout);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      failures: [{ error: { name: 'NotFound', message: 'receipt receipts/ord_1.pdf names no known order' } }],
    });
  });

  it('exits 1 for fulfilOrder with the SQS sample, whose body {} fails the schema', async () => {
    const sqs = await skyport(['events', 'aws', 'sqs']);
    expect(JSON.parse(sqs.stdout)).toMatchObject({ Records: [{ body: '{}' }] });
    const run = await skyport(['invoke', `${orders}#fulfilOrder`, '--cloud', 'aws', '--event', '-'], sqs.stdout);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    expect(run.stderr).toContain('VALIDATION');
  });

  it.each([
    [
      'node',
      '{"method":"GET","path":"/hello"}',
      { status: 200, headers: {}, cookies: [], body: { functionName: 'api' } },
    ],
    [
      'gcp',
      '{"method":"GET","path":"/hello"}',
      { status: 200, headers: {}, cookies: [], body: { functionName: 'api' } },
    ],
    [
      'aws',
      JSON.stringify({ version: '2.0', rawPath: '/hello', requestContext: { http: { method: 'GET' } } }),
      { statusCode: 200 },
    ],
  ])('--cloud %s prints the documented result, named after the export', async (cloud, event, printed) => {
    const run = await skyport(['invoke', `${module}#api`, '--cloud', cloud, '--event', '-'], event);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject(printed);
    if (cloud !== 'aws') expect(Object.keys(out).sort()).toEqual(['body', 'cookies', 'headers', 'status']);
    else expect(JSON.parse(out.body as string)).toEqual({ functionName: 'api' });
  });

  it('writes the function logs to stderr on every cloud, so stdout stays JSON', async () => {
    const body = JSON.stringify({ customer: 'ada@example.com', lines: [{ sku: 'book', qty: 1, unitPrice: 5 }] });
    for (const cloud of ['node', 'gcp']) {
      const run = await skyport(
        ['invoke', `${orders}#api`, '--cloud', cloud, '--event', '-'],
        JSON.stringify({ method: 'POST', path: '/orders', body: JSON.parse(body) }),
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 201 });
      // The line of the cloud: `msg` on Node, Cloud Logging's `message` on GCP.
      expect(run.stderr).toContain(cloud === 'gcp' ? '"message":"order created"' : '"msg":"order created"');
      expect(run.stderr).toContain('"functionName":"api"');
    }
  });
});

describe('events', () => {
  it('lists the sources when run without one, one per line on stdout, leaving the helpers out', async () => {
    const run = await skyport(['events', 'aws']);
    expect(run.code).toBe(0);
    const sources = run.stdout.trim().split('\n');
    for (const source of ['apiGatewayV2', 'sqs', 'scheduled', 'dynamodb']) expect(sources).toContain(source);
    expect(sources).not.toContain('lambdaContext');
    const gcp = await skyport(['events', 'gcp']);
    expect(gcp.code).toBe(0);
    for (const helper of ['binaryMode', 'schedulerHttpHeaders', 'toFirestoreValue'])
      expect(gcp.stdout).not.toContain(helper);
    const node = await skyport(['events', 'node']);
    expect(node.stdout.trim().split('\n')).toEqual([
      'http',
      'queue',
      'stream',
      'storage',
      'schedule',
      'changes',
      'events',
    ]);
  });

  it('matches names loosely', async () => {
    const run = await skyport(['events', 'aws', 'api-gateway-v2']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ version: '2.0', rawPath: '/orders' });
  });

  it('gives defaults to factories that need options', async () => {
    const cloudEvent = JSON.parse((await skyport(['events', 'gcp', 'cloudEvent'])).stdout) as Record<string, unknown>;
    expect(cloudEvent.type).toBe('com.example.order.created');
    const firestore = JSON.parse((await skyport(['events', 'gcp', 'firestoreCloudEvent'])).stdout) as Record<
      string,
      unknown
    >;
    expect(firestore).toMatchObject({
      type: 'google.cloud.firestore.document.v1.written',
      subject: 'documents/orders/ord_1',
    });
  });
});

/** Runs a long-lived `skyport` command; resolves the first stdout match of `pattern`. */
function long(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/node/src/cli.ts', ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', SKYPORT_TSX: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      done = true;
      resolve(code);
    }),
  );
  /** Ends it if it still runs: SIGTERM first, so `dev` stops the server it started, then SIGKILL. */
  const stop = async () => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const waitFor = (pattern: RegExp, from: () => string = () => stdout) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = from().match(pattern);
        if (match) {
          clearInterval(timer);
          resolve(match);
        }
      }, 20);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`exited before ${pattern}: ${stdout}${stderr}`));
      });
    });
  return { child, exited, stop, waitFor, stdout: () => stdout, stderr: () => stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('serve and dev', () => {
  it('serve takes the serve() options as flags, and stops on SIGTERM', async () => {
    const run = long([
      'serve',
      orders,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--body-limit',
      '64',
      '--no-event-routes',
    ]);
    try {
      const [, url] = await run.waitFor(/at (http:\/\/127\.0\.0\.1:\d+)\n/);
      const big = await fetch(`${url}/orders`, { method: 'POST', body: 'x'.repeat(100) });
      expect(big.status).toBe(413);
      expect((await fetch(`${url}/_skyport/nightlyReport`, { method: 'POST' })).status).toBe(404);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop();
    }
  });

  it('dev restarts on a change in a watched folder, on the same port; node_modules is ignored', async () => {
    const watched = mkdtempSync(join(scratch, 'watched-'));
    mkdirSync(join(watched, 'node_modules'));
    const port = await freePort();
    const serving = new RegExp(`serving \\d+ functions? at http://127\\.0\\.0\\.1:${port}\\n`);
    const run = long(['dev', module, '--port', String(port), '--host', '127.0.0.1', '--watch', watched]);
    try {
      // Both route lines: the listing may arrive in more than one chunk.
      await run.waitFor(/\/hello\s+api\n[\s\S]*\/crash\s+crash\n|\/crash\s+crash\n[\s\S]*\/hello\s+api\n/);
      // Every exported function, but hello, which the exported router routes.
      expect(run.stdout()).toMatch(/serving 2 functions at/);
      expect(run.stdout()).toMatch(/GET\s+\/crash\s+crash\n/);
      writeFileSync(join(watched, 'node_modules', 'ignored.js'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(run.stderr()).not.toContain('restarting');
      writeFileSync(join(watched, 'app.js'), 'x');
      await run.waitFor(/app\.js changed, restarting/, run.stderr);
      await run.waitFor(new RegExp(`(?:${serving.source}[\\s\\S]*){2}`));
      expect((await fetch(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop();
    }
  });
  it('dev sees every save of a file that an editor replaces by renaming a new file over it', async () => {
    const watched = mkdtempSync(join(scratch, 'renamed-'));
    const file = join(watched, 'app.js');
    writeFileSync(file, '1');
    // What `sed -i` and "safe write" editors do: write a new file, rename it over the old one.
    const save = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    const port = await freePort();
    const serving = `serving \\d+ functions? at http://127\\.0\\.0\\.1:${port}\\n`;
    const run = long(['dev', module, '--port', String(port), '--host', '127.0.0.1', '--watch', watched]);
    try {
      await run.waitFor(new RegExp(serving));
      for (let saves = 1; saves <= 3; saves++) {
        save(String(saves + 1));
        await run.waitFor(new RegExp(`(?:restarting[\\s\\S]*){${saves}}`), run.stderr);
        await run.waitFor(new RegExp(`(?:${serving}[\\s\\S]*){${saves + 1}}`));
      }
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop();
    }
  });
});
