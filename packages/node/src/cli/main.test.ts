import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { azure } from '@skyport/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliIo, main } from './main.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const cli = here('../cli.ts');
const functions = here('./__fixtures__/functions.ts');
const pkg = JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string };

/**
 * Runs the CLI in a child process: `node <loader> cli.ts ...args`, with `stdin` as its input. One
 * still running after `timeoutMs` is killed, and its code is `'still running'`.
 */
function run(
  loader: readonly string[],
  args: readonly string[],
  stdin = '',
  timeoutMs = 20_000,
  env: Readonly<Record<string, string>> = {},
): Promise<{ code: number | null | 'still running'; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...loader, cli, ...args], {
      env: { ...process.env, SKYPORT_TSX: '', NODE_ENV: 'test', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: hung ? 'still running' : code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

/** The CLI's output, captured in process. */
function capture(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function eventFile(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'skyport-main-')), 'event.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('skyport serve in a child process', () => {
  it('under NODE_ENV=production warns that the event routes are on, naming the flags, unless --event-routes keeps them on purpose', async () => {
    // Prepare: the server's output up to its listing, then it is stopped
    const started = async (flags: readonly string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', functions, '--port', '0', ...flags], {
        env: { ...process.env, NODE_ENV: 'production' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          stdout += chunk;
          if (/\/_skyport\/ship/.test(stdout)) resolve();
        });
        child.on('exit', () => reject(new Error(`exited before listening: ${stdout}`)));
      });
      // One answer served: whatever serve() prints with its listing, in the same turn, is out too.
      const url = /http:\/\/[^\s]+:\d+/.exec(stdout)?.[0];
      await fetch(`${url}/whoami`);
      const exited = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGTERM');
      await exited;
      return stdout;
    };

    // Act
    const defaulted = await started([]);
    const kept = await started(['--event-routes']);
    const both = await run(['--import', 'tsx'], ['serve', functions, '--event-routes', '--no-event-routes']);

    // Assert
    expect(defaulted).toContain(
      'skyport: warning: POST /_skyport/<name> event routes are on and not authenticated (NODE_ENV=production): ' +
        'pass --no-event-routes for a public service, or --event-routes to keep them and silence this\n',
    );
    expect(kept).not.toContain('warning');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--event-routes and --no-event-routes contradict each other');
  }, 20_000);

  it('serves without event routes under --no-event-routes, and stops on SIGTERM', async () => {
    // Prepare
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cli,
        'serve',
        functions,
        '--port',
        '0',
        '--no-event-routes',
        '--request-timeout',
        '5000',
        '--trust-proxy',
        '1',
      ],
      { env: { ...process.env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const found = /http:\/\/[^\s]+:\d+/.exec(stdout);
        if (found) resolve(found[0]);
      });
      child.on('exit', () => reject(new Error(`exited before listening: ${stdout}`)));
    });

    // Act
    const event = await fetch(`${url}/_skyport/ship`, { method: 'POST', body: '{"body":{}}' });
    const route = await fetch(`${url}/whoami`);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');

    // Assert
    expect(event.status).toBe(404);
    expect(route.status).toBe(200);
    expect(await route.json()).toEqual({ functionName: 'whoami', cloud: 'node' });
    expect(stdout).not.toContain('/_skyport/ship');
    expect(await exited).toBe(0);
  });
});

describe('Ctrl+C on skyport serve and skyport dev', () => {
  const slow = here('./__fixtures__/slow.ts');
  const groups: { pid: number; done: boolean }[] = [];

  afterEach(() => {
    // A group a failed test left running.
    for (const group of groups.splice(0)) {
      if (!group.done) {
        try {
          process.kill(-group.pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
  });

  /**
   * A new folder in the temporary directory marked `"type": "module"`, so a TypeScript module
   * written in it that imports core's sources by URL is an ES module, as those sources are (tsx
   * would compile it to CommonJS, with a CommonJS copy of core's sources).
   */
  const esmFolder = () => {
    const root = mkdtempSync(join(tmpdir(), 'skyport-dev-'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    return root;
  };

  /**
   * Starts the CLI in a process group of its own, as a terminal runs it, with a loader it does not
   * take for tsx (as from dist/cli.js), so `serve` re-runs itself under tsx in a child process.
   */
  async function startGroup(args: readonly string[], port = 0) {
    const child = spawn(
      process.execPath,
      ['--import', here('./__fixtures__/load-typescript.mjs'), cli, ...args, '--port', String(port)],
      { env: { ...process.env, SKYPORT_TSX: '', NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const group = { pid: child.pid as number, done: false };
    groups.push(group);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    void exited.then(() => {
      group.done = true;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const found = /http:\/\/[^\s]+:\d+/.exec(stdout);
        if (found) resolve(found[0]);
      });
      void exited.then(() => reject(new Error(`exited before listening: ${stdout}${stderr}`)));
    });
    // The whole group, as a terminal's Ctrl+C reaches it.
    const interrupt = () => process.kill(-(child.pid as number), 'SIGINT');
    // The CLI alone, as a process manager stops it.
    const terminate = () => child.kill('SIGTERM');
    return { url, exited, interrupt, terminate, stdout: () => stdout, stderr: () => stderr };
  }

  it.each([['serve'], ['dev']])(
    'skyport %s: one Ctrl+C to the process group lets the request in flight finish, then exits 0',
    async (command) => {
      // Prepare
      const server = await startGroup([command, slow]);
      const pending = fetch(`${server.url}/slow`).then(async (res) => [res.status, await res.json()]);
      await new Promise((resolve) => setTimeout(resolve, 400));

      // Act
      server.interrupt();

      // Assert
      expect(await pending).toEqual([200, { done: true }]);
      expect(await server.exited).toBe(0);
      expect(server.stderr()).not.toContain('exiting now');
    },
    15_000,
  );

  it('skyport dev: a watched folder that goes away is reported, the rest still restart the server', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'skyport-dev-'));
    const gone = join(root, 'gone');
    const kept = join(root, 'kept');
    mkdirSync(gone);
    mkdirSync(kept);
    const server = await startGroup(['dev', functions, '--watch', gone, '--watch', kept]);
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };

    // Act
    rmSync(gone, { recursive: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(join(kept, 'change.ts'), 'export {};\n');
    await until(() => (server.stdout().match(/serving/g) ?? []).length >= 2);
    const second = [...server.stdout().matchAll(/http:\/\/[^\s]+:\d+/g)].at(-1)?.[0];
    const answer = await fetch(`${second}/whoami`);
    server.interrupt();

    // Assert
    expect(answer.status).toBe(200);
    expect(server.stderr()).toContain('changed, restarting');
    expect(server.stderr()).toMatch(/skyport dev: (?:cannot watch|stopped watching) \/.*gone \(/);
    expect(await server.exited).toBe(0);
  }, 15_000);

  it("skyport dev: --watch adds a folder, the module's own is still watched", async () => {
    // Prepare: a module in a folder of its own, and another folder to watch
    const root = esmFolder();
    const other = mkdtempSync(join(tmpdir(), 'skyport-dev-'));
    const mod = join(root, 'mod.ts');
    const core = pathToFileURL(here('../../../core/src/index.ts')).href;
    const source = `import { http } from '${core}';\nexport const v = http({ method: 'GET', path: '/v' }).handle(() => 'v');\n`;
    writeFileSync(mod, source);
    const server = await startGroup(['dev', mod, '--watch', other]);
    const servings = () => (server.stdout().match(/serving/g) ?? []).length;
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };

    // Act
    writeFileSync(mod, `${source}\n`);
    await until(() => servings() >= 2);
    writeFileSync(join(other, 'helper.ts'), 'export {};\n');
    await until(() => servings() >= 3);
    server.interrupt();

    // Assert
    expect(server.stderr()).toMatch(/mod\.ts changed, restarting/);
    expect(server.stderr()).toMatch(/helper\.ts changed, restarting/);
    expect(servings()).toBe(3);
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('skyport dev: restarts for source and config files only, not for what the server or an editor writes', async () => {
    // Prepare
    const root = esmFolder();
    const mod = join(root, 'mod.ts');
    const core = pathToFileURL(here('../../../core/src/index.ts')).href;
    writeFileSync(
      mod,
      `import { http } from '${core}';\nexport const v = http({ method: 'GET', path: '/v' }).handle(() => 'v');\n`,
    );
    const server = await startGroup(['dev', mod]);
    const servings = () => (server.stdout().match(/serving/g) ?? []).length;

    // Act: a log file, a SQLite journal, an editor's swap and backup files, then a config file
    for (const file of ['server.log', 'db.sqlite-journal', '.mod.ts.swp', 'mod.ts~', '.env']) {
      writeFileSync(join(root, file), 'written\n');
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const quiet = { servings: servings(), stderr: server.stderr() };
    writeFileSync(join(root, 'settings.json'), '{}\n');
    for (let i = 0; i < 100 && servings() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    server.interrupt();

    // Assert
    expect(quiet).toEqual({ servings: 1, stderr: '' });
    expect(server.stderr()).toContain('settings.json changed, restarting');
    expect(servings()).toBe(2);
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('skyport dev: changes during a restart end with one server, on the latest code, and dev exits on SIGTERM', async () => {
    // Prepare: a module in a folder of its own, served on a fixed port
    const root = esmFolder();
    const mod = join(root, 'mod.ts');
    const core = pathToFileURL(here('../../../core/src/index.ts')).href;
    const write = (version: string) =>
      writeFileSync(
        mod,
        `import { http } from '${core}';\n` +
          `export const v = http({ method: 'GET', path: '/v' }).handle(() => ({ version: '${version}' }));\n` +
          "export const slow = http({ method: 'GET', path: '/slow' }).handle(async () => {\n" +
          '  await new Promise((resolve) => setTimeout(resolve, 1000));\n' +
          '  return { done: true };\n' +
          '});\n',
      );
    write('v1');
    const port = await freePort();
    const server = await startGroup(['dev', mod], port);
    const url = `http://127.0.0.1:${port}`;
    const version = () =>
      fetch(`${url}/v`).then(
        async (res) => ((await res.json()) as { version: string }).version,
        () => 'down',
      );
    const until = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 150 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const slow = fetch(`${url}/slow`).then(
      (res) => res.status,
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act: a second change while the first restart waits for the old server to drain
    write('v2');
    await new Promise((resolve) => setTimeout(resolve, 400));
    write('v3');
    await until(async () => (await version()) === 'v3');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    write('v4');
    await until(async () => (await version()) === 'v4');
    const latest = await version();
    const stderr = server.stderr();
    server.terminate();
    const code = await Promise.race([server.exited, new Promise((resolve) => setTimeout(() => resolve('hung'), 5000))]);
    const after = await version();

    // Assert
    expect(latest).toBe('v4');
    expect(await slow).toBe(200);
    expect(stderr).not.toContain('exiting now');
    expect(stderr).not.toContain('EADDRINUSE');
    expect(stderr).not.toContain('exited with code');
    expect(code).toBe(0);
    expect(after).toBe('down');
  }, 30_000);

  it('skyport dev: a server killed by a signal is reported, naming the signal, and a change starts it again', async () => {
    // Prepare: a module that answers with the pid of the server process
    const root = esmFolder();
    const mod = join(root, 'mod.ts');
    const core = pathToFileURL(here('../../../core/src/index.ts')).href;
    const source = `import { http } from '${core}';\nexport const pid = http({ method: 'GET', path: '/pid' }).handle(() => ({ pid: process.pid }));\n`;
    writeFileSync(mod, source);
    const server = await startGroup(['dev', mod]);
    const { pid } = (await (await fetch(`${server.url}/pid`)).json()) as { pid: number };
    const until = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    };

    // Act
    process.kill(pid, 'SIGKILL');
    await until(() => server.stderr().includes('killed by'));
    writeFileSync(mod, `${source}\n`);
    await until(() => (server.stdout().match(/serving/g) ?? []).length >= 2);
    const again = [...server.stdout().matchAll(/http:\/\/[^\s]+:\d+/g)].at(-1)?.[0];
    const answer = await fetch(`${again}/pid`);
    server.interrupt();

    // Assert
    expect(server.stderr()).toContain('skyport dev: the server was killed by SIGKILL; waiting for a change\n');
    expect(answer.status).toBe(200);
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('skyport dev: a reload cuts an open event stream after a short grace, not the production one', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'skyport-dev-'));
    const server = await startGroup(['dev', here('./__fixtures__/ticker.ts'), '--watch', root]);
    const stream = await fetch(`${server.url}/ticker`);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const cut = (async () => {
      try {
        while (!(await reader.read()).done) {}
      } catch {
        // cut off: the old server closed the connection
      }
      return Date.now();
    })();

    // Act
    const changed = Date.now();
    writeFileSync(join(root, 'change.ts'), 'export {};\n');
    const ended = await cut;
    for (let i = 0; i < 100 && (server.stdout().match(/serving/g) ?? []).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    server.interrupt();

    // Assert: cut after dev's 2 s grace (plus the change's debounce), far inside serve's 8 s
    expect(ended - changed).toBeLessThan(6000);
    expect((server.stdout().match(/serving/g) ?? []).length).toBe(2);
    expect(await server.exited).toBe(0);
  }, 20_000);

  it('skyport serve: stops and exits 0 past the grace when a handler never returns', async () => {
    // Prepare
    const server = await startGroup(['serve', here('./__fixtures__/hang.ts'), '--shutdown-timeout', '300']);
    const pending = fetch(`${server.url}/hang`).then(
      (res) => res.status,
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Act
    server.interrupt();

    // Assert
    expect(await server.exited).toBe(0);
    expect(await pending).toBe('cut off');
    expect(server.stderr()).toContain('stopped');
    expect(server.stderr()).not.toContain('never completed');
  }, 15_000);

  it('skyport serve: a deliberate second Ctrl+C exits at once with 1', async () => {
    // Prepare
    const server = await startGroup(['serve', slow]);
    const pending = fetch(`${server.url}/slow`).then(
      (res) => res.status,
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Act
    server.interrupt();
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.interrupt();

    // Assert
    expect(await server.exited).toBe(1);
    expect(await pending).toBe('cut off');
    expect(server.stderr()).toContain('SIGINT again, exiting now');
  }, 15_000);
});

describe('skyport dev with options serve() refuses', () => {
  it.each([
    [
      ['--request-timeout', '1000', '--headers-timeout', '5000'],
      {},
      'serve(): headersTimeoutMs (5000) must not be above requestTimeoutMs (1000)',
    ],
    [[], { PORT: 'abc' }, 'serve(): PORT must be a port number 0-65535, got "abc"'],
  ])('exits 2 before it starts a server: %j with %j', async (flags, env, message) => {
    // Act: a dev that starts a server would run until killed
    const { code, stdout, stderr } = await run(['--import', 'tsx'], ['dev', functions, ...flags], '', 8000, env);

    // Assert
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `skyport: ${message}\nRun "skyport dev --help" for usage.\n`,
    });
  });
});

describe('a module that does not parse', () => {
  it('skyport serve names the file and line of a syntax error in a file the module imports', async () => {
    // Prepare
    const root = mkdtempSync(join(tmpdir(), 'skyport-syntax-'));
    const helper = join(root, 'helper.mjs');
    writeFileSync(join(root, 'mod.mjs'), "import { ok } from './helper.mjs';\nexport const value = ok;\n");
    writeFileSync(helper, 'export const ok = 1;\nconst broken = ;\n');

    // Act
    const { code, stderr } = await run(
      ['--import', here('./__fixtures__/load-typescript.mjs')],
      ['serve', join(root, 'mod.mjs'), '--port', '0'],
    );

    // Assert
    expect(code).toBe(1);
    expect(stderr).toBe(
      "skyport: serve failed: SyntaxError: Unexpected token ';'\n" +
        `${pathToFileURL(helper).href}:2\nconst broken = ;\n               ^\n`,
    );
  });
});

describe('a TypeScript module that does not parse', () => {
  it('skyport invoke names the file and line of the error, with the line and a caret under it', async () => {
    // Prepare: a TypeScript file tsx cannot compile, imported by the module
    const root = mkdtempSync(join(tmpdir(), 'skyport-syntax-'));
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    const helper = join(root, 'helper.ts');
    writeFileSync(join(root, 'mod.ts'), "import { ok } from './helper.ts';\nexport const value = ok;\n");
    writeFileSync(helper, 'export const ok: number = 1;\nexport const x = (1;\n');
    const event = join(root, 'event.json');
    writeFileSync(event, '{}');

    // Act
    const { code, stderr } = await run(
      ['--import', here('./__fixtures__/load-typescript.mjs')],
      ['invoke', `${join(root, 'mod.ts')}#value`, '--event', event],
    );

    // Assert
    expect(code).toBe(1);
    expect(stderr).toContain('TransformError');
    expect(stderr).toContain(`${pathToFileURL(helper).href}:2\nexport const x = (1;\n                   ^\n`);
  });
});

describe('skyport invoke in a child process', () => {
  it('reads the event from stdin for a TypeScript module, which it runs by re-running itself under tsx', async () => {
    // Prepare: a loader the CLI does not take for tsx, as when it runs from dist/cli.js
    const loader = ['--import', here('./__fixtures__/load-typescript.mjs')];

    // Act
    const { code, stdout, stderr } = await run(
      loader,
      ['invoke', `${functions}#report`, '--event', '-'],
      '{"scheduledTime":"2024-05-01T03:00:00.000Z"}',
    );

    // Assert
    expect(stderr).not.toContain('skyport:');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, failures: [] });
    expect(stderr).toContain('"functionName":"report","scheduledTime":"2024-05-01T03:00:00.000Z","msg":"report ran"');
  });

  it('reads an event on stdin that starts with a UTF-8 byte order mark', async () => {
    // Act
    const { code, stdout, stderr } = await run(
      ['--import', 'tsx'],
      ['invoke', `${functions}#report`, '--event', '-'],
      '\uFEFF{"scheduledTime":"2024-05-01T03:00:00.000Z"}',
    );

    // Assert
    expect(stderr).not.toContain('skyport:');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, failures: [] });
  });

  it('exits 128 + the number of a signal other than SIGINT or SIGTERM that killed the TypeScript re-run, naming it', async () => {
    // Act: a loader the CLI does not take for tsx, so it re-runs itself under tsx in a child
    const { code, stdout, stderr } = await run(
      ['--import', here('./__fixtures__/load-typescript.mjs')],
      ['invoke', `${here('./__fixtures__/killed.ts')}#killed`, '--event', '-'],
      '{"body":{"job":1}}',
    );

    // Assert: 137, as a shell reports a process SIGKILL ended
    expect(code).toBe(137);
    expect(stdout).toBe('');
    expect(stderr).toContain('skyport: the invoke process was killed by SIGKILL\n');
  });

  it('invoke exits once the result is written, though the module keeps the event loop busy', async () => {
    // Act
    const { code, stdout } = await run(
      ['--import', 'tsx'],
      ['invoke', `${here('./__fixtures__/busy.ts')}#busy`, '--event', '-'],
      '{"body":{"job":1}}',
      10_000,
    );

    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true, failures: [] });
  });

  it('serve exits with its code when it fails after loading a module that keeps the event loop busy', async () => {
    // Act: options serve() refuses, found once the module is loaded
    const { code, stderr } = await run(
      ['--import', 'tsx'],
      ['serve', here('./__fixtures__/busy.ts'), '--port', '0', '--request-timeout', '5', '--headers-timeout', '10'],
      '',
      10_000,
    );

    // Assert
    expect(code).toBe(2);
    expect(stderr).toContain('skyport: serve(): headersTimeoutMs (10) must not be above requestTimeoutMs (5)\n');
  });

  it('invoke prints the result alone on stdout: what the module and the function print goes to stderr', async () => {
    // Act
    const { code, stdout, stderr } = await run(
      ['--import', 'tsx'],
      ['invoke', `${here('./__fixtures__/chatty.ts')}#chatty`, '--event', '-'],
      '{"body":{"job":1}}',
    );

    // Assert
    expect(code).toBe(0);
    expect(stdout).toBe(`${JSON.stringify({ ok: true, failures: [] }, null, 2)}\n`);
    for (const printed of [
      'chatty: loading\n',
      'chatty: console.log\n',
      'chatty: console.info\n',
      'chatty: console.debug\n',
      "{ chatty: 'console.dir' }\n",
      'chatty: process.stdout.write\n',
    ]) {
      expect(stderr).toContain(printed);
    }
  });

  it('invoke keeps stdout for the result while it flushes: what the function prints after returning goes to stderr', async () => {
    // Prepare: a reader that starts late, so the large result is still being written when the
    // function's timer prints
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'invoke', `${here('./__fixtures__/late.ts')}#late`, '--event', '-'],
      { env: { ...process.env, SKYPORT_TSX: '', NODE_ENV: 'test' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdin.end('{"path":"/late"}');
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));

    // Act
    await new Promise((resolve) => setTimeout(resolve, 1000));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const code = await closed;

    // Assert
    expect(code).toBe(0);
    expect(stdout.includes('late: printed after the result')).toBe(false);
    const result = JSON.parse(stdout) as { status: number; body: { big: string } };
    expect([result.status, result.body.big.length]).toEqual([200, 2_000_000]);
    expect(stderr).toContain('late: printed after the result\n');
  }, 15_000);

  it.each([
    ['run from dist/cli.js, re-running itself under tsx', [here('./__fixtures__/load-typescript.mjs')]],
    ['run under --import tsx', ['tsx']],
  ])('invoke loads a CommonJS TypeScript module (.cts), %s', async (_how, loader) => {
    // Act
    const { code, stdout, stderr } = await run(
      ['--import', ...loader],
      ['invoke', `${here('./__fixtures__/common.cts')}#hello`, '--event', '-'],
      '{"path":"/hello"}',
    );

    // Assert
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 200, body: { functionName: 'hello', format: 'commonjs' } });
  });

  it('invoke: a handler that never settles and keeps nothing running exits 1, saying so', async () => {
    const { code, stdout, stderr } = await run(
      ['--import', 'tsx'],
      ['invoke', `${here('./__fixtures__/stuck.ts')}#stuck`, '--event', '-'],
      '{"body":{"job":1}}',
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('skyport: the function never completed');
  });

  it('runs the sample "skyport events gcp queue" prints through --cloud gcp', async () => {
    // Act
    const sample = await run(['--import', 'tsx'], ['events', 'gcp', 'queue']);
    const invoked = await run(
      ['--import', 'tsx'],
      ['invoke', `${functions}#ship`, '--cloud', 'gcp', '--event', '-'],
      sample.stdout,
    );

    // Assert
    expect({ code: sample.code, stderr: sample.stderr }).toEqual({ code: 0, stderr: '' });
    expect(invoked.code).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({ status: 204 });
    expect(invoked.stderr).toContain('"functionName":"ship"');
  }, 15_000);

  it('--cloud azure keeps stdout for the result: the function logs go to stderr', async () => {
    // Prepare
    const file = eventFile(azure.queueMessage({ orderId: 'ord_1' }));

    // Act
    const { code, stdout, stderr } = await run(
      ['--import', 'tsx'],
      ['invoke', `${functions}#ship`, '--cloud', 'azure', '--event', file],
    );

    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ ok: true });
    expect(stderr).toContain('"functionName":"ship","body":{"orderId":"ord_1"},"msg":"shipped"');
  });
});

describe('main()', () => {
  let previous: string | undefined;

  beforeEach(() => {
    // The module is loaded in this process (vitest compiles it): no re-run under tsx.
    previous = process.env.SKYPORT_TSX;
    process.env.SKYPORT_TSX = '1';
  });

  afterEach(() => {
    if (previous === undefined) delete process.env.SKYPORT_TSX;
    else process.env.SKYPORT_TSX = previous;
  });

  it('prints the package version with --version', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['--version'], io);

    // Assert
    expect(code).toBe(0);
    expect(io.stdout()).toBe(`${pkg.version}\n`);
    expect(io.stderr()).toBe('');
  });

  it('exits 2 before anything starts when a --watch folder does not exist', async () => {
    // Prepare
    const io = capture();
    const missing = join(tmpdir(), 'skyport-no-such-folder');

    // Act
    const code = await main(['dev', functions, '--watch', missing], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stderr()).toBe(`skyport: --watch ${missing} is not a folder\nRun "skyport dev --help" for usage.\n`);
  });

  it('prints usage on stderr and exits 2 when run without a command', async () => {
    // Prepare
    const io = capture();

    // Act
    const code = await main([], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toMatch(/^Usage: skyport <command> \[options\]\n/);
  });

  it.each([
    ['aws', 'queue', { Records: [{ eventSource: 'aws:sqs' }] }],
    ['aws', 'http', { version: '2.0', routeKey: '$default' }],
    ['gcp', 'storage', { type: 'google.cloud.storage.object.v1.finalized' }],
    ['gcp', 'queue', { type: 'google.cloud.pubsub.topic.v1.messagePublished' }],
    ['gcp', 'schedule', { headers: { 'x-cloudscheduler': 'true' } }],
    ['azure', 'queue', { triggerType: 'queueTrigger' }],
    ['azure', 'storage', { triggerType: 'blobTrigger' }],
  ])('skyport events %s %s prints the usual source of that kind there', async (cloud, kind, expected) => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(['events', cloud, kind], io);

    // Assert
    expect({ code, stderr: io.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(io.stdout())).toMatchObject(expected);
  });

  it('skyport events lists the kinds and the sources in its help and when the name is unknown', async () => {
    // Prepare
    const help = capture();
    const unknown = capture();

    // Act
    const helpCode = await main(['events', '--help'], help);
    const unknownCode = await main(['events', 'aws', 'carrier-pigeon'], unknown);

    // Assert
    expect(helpCode).toBe(0);
    expect(help.stdout()).toMatch(/^Usage: skyport events <cloud> \[kind \| source\]\n/);
    expect(help.stdout()).toMatch(/\n {4}queue +sqs +queueMessage +pubsubCloudEvent\n/);
    expect(unknownCode).toBe(2);
    expect(unknown.stderr()).toMatch(
      /^skyport: unknown aws kind or source "carrier-pigeon"; kinds: http, queue, stream, storage, schedule, changes, events; sources: [^;]*\bapiGatewayV1\b[^;]*\bsqs\b/,
    );
    expect(unknown.stderr()).toMatch(/\nRun "skyport events --help" for usage\.\n$/);
  });

  it.each([
    [['serve', functions, '--port', '99999'], '--port must be a non-negative integer (0-65535), got "99999"'],
    [['serve', functions, '--port', '65536'], '--port must be a non-negative integer (0-65535), got "65536"'],
    [['dev', functions, '--port', '3e3'], '--port must be a non-negative integer (0-65535), got "3e3"'],
    [['serve', functions, '--port', ''], '--port must be a non-negative integer (0-65535), got ""'],
    [['serve', functions, '--body-limit', '1.5'], '--body-limit must be a non-negative integer, got "1.5"'],
    [['serve', functions, '--body-limit=-1'], '--body-limit must be a non-negative integer, got "-1"'],
    [['dev', functions, '--body-limit', 'NaN'], '--body-limit must be a non-negative integer, got "NaN"'],
    [['serve', functions, '--body-limit', ''], '--body-limit must be a non-negative integer, got ""'],
    [['serve', functions, '--request-timeout', '5s'], '--request-timeout must be a non-negative integer, got "5s"'],
    [['dev', functions, '--headers-timeout', '1e3'], '--headers-timeout must be a non-negative integer, got "1e3"'],
    [['serve', functions, '--trust-proxy', 'two'], '--trust-proxy must be a non-negative integer, got "two"'],
  ])('exits 2 before anything starts for a bad number: %j', async (args, message) => {
    // Prepare
    const io = capture();

    // Act
    const code = await main(args, io);

    // Assert
    expect(code).toBe(2);
    expect(io.stderr()).toBe(`skyport: ${message}\nRun "skyport ${args[0]} --help" for usage.\n`);
    expect(io.stdout()).toBe('');
  });

  it('exits 2 for an event that is not an HTTP request sent to an http function, and runs nothing', async () => {
    // Prepare
    const io = capture();
    const file = eventFile({ id: 'msg-1', body: { orderId: 'ord_1' }, attributes: {}, attempt: 1, source: 'orders' });

    // Act
    const code = await main(['invoke', `${functions}#whoami`, '--event', file], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toBe(
      `skyport: the event file ${file} is not an event whoami takes: node: an HTTP request needs a "method" or a "path" (http function, got object {id, body, attributes, attempt, source})\n` +
        'Run "skyport invoke --help" for usage.\n',
    );
  });

  it('exits 2 for a portable event with a field of the wrong type', async () => {
    // Prepare
    const io = capture();
    const file = eventFile({ scheduledTime: 'not-a-date' });

    // Act
    const code = await main(['invoke', `${functions}#report`, '--event', file], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain('is not an event report takes: node: "scheduledTime" must be an ISO 8601 time');
  });
  it.each([
    ['gcp', 'report', {}, 'gcp: '],
    ['gcp', 'ship', { specversion: '1.0', id: '1', source: '//x', type: 'com.example.other', data: {} }, 'gcp: '],
    [
      'gcp',
      'whoami',
      { path: '/whoami', headers: { 'x-n': 1 } },
      'the header x-n must be a string or a list of strings',
    ],
    ['gcp', 'whoami', { method: 5 }, '"method" must be a string'],
    ['azure', 'whoami', { url: 'http://[' }, 'got a "url" that is not a URL or a path: http://['],
    ['azure', 'whoami', { url: '/api/whoami', method: 5 }, 'needs "method" as a string'],
    [
      'azure',
      'whoami',
      { url: '/api/whoami', headers: { 'x-a': 'one\ntwo' } },
      'got a request @azure/functions refuses',
    ],
  ])('--cloud %s: exits 2 for an event %s cannot take, %j, naming the problem', async (cloud, name, event, message) => {
    // Prepare
    const io = capture();
    const file = eventFile(event);

    // Act
    const code = await main(['invoke', `${functions}#${name}`, '--cloud', cloud, '--event', file], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain(`skyport: the event file ${file} is not an event ${name} takes: `);
    expect(io.stderr()).toContain(message);
  });

  it('invoke gives process.stdout its own write back once the result is written', async () => {
    // Prepare
    const io = capture();
    const write = process.stdout.write;
    const own = Object.hasOwn(process.stdout, 'write');

    // Act
    const code = await main(['invoke', `${functions}#whoami`, '--event', eventFile({ path: '/whoami' })], io);
    const failed = await main(['invoke', `${functions}#nope`, '--event', eventFile({ path: '/whoami' })], io);

    // Assert
    expect([code, failed]).toEqual([0, 2]);
    expect(process.stdout.write).toBe(write);
    expect(Object.hasOwn(process.stdout, 'write')).toBe(own);
  });

  it('reads an event file that starts with a UTF-8 byte order mark', async () => {
    // Prepare
    const io = capture();
    const file = eventFile({ path: '/whoami' });
    writeFileSync(file, `\uFEFF${readFileSync(file, 'utf8')}`);

    // Act
    const code = await main(['invoke', `${functions}#whoami`, '--event', file], io);

    // Assert
    expect({ code, stderr: io.stderr() }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(io.stdout())).toMatchObject({ status: 200, body: { functionName: 'whoami' } });
  });

  it('exits 2 for a module that is a directory, naming it', async () => {
    // Prepare
    const io = capture();
    const dir = here('./__fixtures__');

    // Act
    const code = await main(['invoke', `${dir}#whoami`, '--event', eventFile({ path: '/whoami' })], io);

    // Assert
    expect(code).toBe(2);
    expect(io.stderr()).toContain(`skyport: ${dir} is a directory: name the module file in it`);
  });
});
