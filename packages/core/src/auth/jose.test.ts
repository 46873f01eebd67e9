import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const source = (file: string) => pathToFileURL(fileURLToPath(new URL(file, import.meta.url))).href;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'skyport-jose-'));
  // A resolve hook that refuses `jose`: any import of it, static or dynamic, fails.
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
      if (specifier === 'jose') throw new Error('jose was loaded');
      return next(specifier, context);
    }`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` in a fresh Node process (TypeScript through tsx) where importing `jose` throws. */
async function withoutJose(script: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(join(dir, 'register.mjs')).href, '--input-type=module', '-e', script],
    { cwd: root, encoding: 'utf8' },
  );
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\nresult ') + '\nresult '.length));
}

describe('@skyport/core/auth and jose', () => {
  it('loads jose only for jwtAuth() and cloudPrincipal({ iap })', async () => {
    // Prepare
    const script = `
      const core = await import(${JSON.stringify(source('../index.ts'))});
      const auth = await import(${JSON.stringify(source('./index.ts'))});
      const ctx = (cloud) => core.createContext({ cloud, kind: 'http', requestId: 'r1', functionName: 'f' });
      const keyed = core.http().use(auth.apiKeyAuth({ keys: ['k1'] })).use(auth.requireScopes()).handle(() => 'in');
      const platform = core.http().use(auth.cloudPrincipal()).handle((_req, c) => c.auth.subject);
      const apiKey = await core.runHttp(keyed, { method: 'GET', path: '/', headers: { 'x-api-key': 'k1' } }, ctx('node'));
      const event = { requestContext: { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/a' } } } };
      const cloud = await core.runHttp(platform, { method: 'GET', path: '/', raw: event }, ctx('aws'));
      const probe = await import('jose').then(() => 'loaded', (error) => error.message);
      // jwtAuth() does need it: with jose unloadable, a token cannot be checked (500, not 401).
      const jwt = core.http().use(auth.jwtAuth({ secret: 'x'.repeat(32) })).handle(() => 'in');
      const bearer = await core.runHttp(jwt, { method: 'GET', path: '/', headers: { authorization: 'Bearer a.b.c' } }, ctx('node'));
      process.stdout.write('\\nresult ' + JSON.stringify({ apiKey: apiKey.status, cloud: cloud.body, probe, jwt: bearer.status }));
    `;

    // Act
    const result = await withoutJose(script);

    // Assert: the functions ran, and the hook does refuse jose (so nothing above loaded it).
    expect(result).toEqual({ apiKey: 200, cloud: 'arn:aws:iam::1:user/a', probe: 'jose was loaded', jwt: 500 });
  });
});
