import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { root, startNode } from './helpers.js';

// Each test starts Node processes, which take seconds on a loaded machine.
vi.setConfig({ testTimeout: 60_000 });

const dir = mkdtempSync(join(tmpdir(), 'skyport-dev-'));
// An ES module package, like a user's project: a CommonJS copy of core would be a second instance.
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
const modulePath = join(dir, 'app.ts');
const core = join(root, 'packages/core/src/index.ts');

function writeVersion(version: number): void {
  writeFileSync(
    modulePath,
    `import { http } from ${JSON.stringify(core)};\nexport const version = http({ method: 'GET', path: '/version' }).handle(() => ({ version: ${version} }));\n`,
  );
}

function lastUrl(stdout: string): string {
  const urls = [...stdout.matchAll(/serving \d+ functions? at (http:\/\/\S+)/g)].map((match) => match[1]);
  const url = urls[urls.length - 1];
  if (url === undefined) throw new Error(`no startup line in: ${stdout}`);
  return url;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('skyport dev', () => {
  it('serves the module and restarts it when a file changes', async () => {
    // Prepare
    writeVersion(1);
    const child = startNode(['packages/node/src/cli.ts', 'dev', modulePath, '--port', '0', '--host', '127.0.0.1']);
    await child.waitFor('skyport: serving');
    const first = await (await fetch(`${lastUrl(child.stdout())}/version`)).json();

    // Act
    const before = child.stdout().length;
    writeVersion(2);
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const poll = setInterval(() => {
        if (child.stdout().slice(before).includes('skyport: serving')) {
          clearInterval(poll);
          resolve();
        } else if (Date.now() - started > 15_000) {
          clearInterval(poll);
          reject(new Error(`no restart; stderr: ${child.stderr()}`));
        }
      }, 50);
    });
    const second = await (await fetch(`${lastUrl(child.stdout())}/version`)).json();
    child.process.kill('SIGTERM');
    const code = await child.exited;

    // Assert
    expect(first).toEqual({ version: 1 });
    expect(second).toEqual({ version: 2 });
    expect(child.stderr()).toContain('app.ts changed, restarting');
    expect(code).toBe(0);
  });
});
