/**
 * docs/azure.md, "Deployment notes" and the install line: what the page says the example function
 * app (`examples/orders/azure/`) and the package hold.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as azure from '@skyport/azure';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const json = <T>(path: string) => JSON.parse(read(path)) as T;

interface PackageJson {
  type?: string;
  main?: string;
  engines?: Record<string, string>;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const app = '../../orders/azure/';

describe('the example function app', () => {
  it('package.json: ESM, dist/index.js, @azure/functions the only dependency, an esbuild bundle', () => {
    const pkg = json<PackageJson>(`${app}package.json`);
    expect(pkg.type).toBe('module');
    expect(pkg.main).toBe('dist/index.js');
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['@azure/functions']);
    const build = pkg.scripts.build ?? '';
    expect(build).toMatch(/^esbuild index\.ts --bundle /);
    expect(build).toContain('--outfile=dist/index.js');
    expect(build).toContain('--external:@azure/functions');
    expect(build).toContain('--banner:js=');
    expect(build).toContain('createRequire');
    expect(pkg.scripts.deploy).toBe(
      'npm run build && npm install --omit=dev --no-package-lock && func azure functionapp publish $FUNCTION_APP_NAME',
    );
    expect(pkg.engines?.node).toBe('>=20');
  });

  it('host.json: the functionTimeout register() is given, the api prefix, queue retries, bundle [4.*, 5.0.0)', async () => {
    const host = json<{
      functionTimeout: string;
      extensions: { http: { routePrefix: string }; queues: { maxDequeueCount: number } };
      extensionBundle: { version: string };
    }>(`${app}host.json`);
    const { functionTimeout } = await import('../../orders/azure/index.js');
    expect(host.functionTimeout).toBe(functionTimeout);
    expect(host.extensions.http.routePrefix).toBe('api');
    expect(host.extensions.queues.maxDequeueCount).toBe(5);
    expect(host.extensionBundle.version).toBe('[4.*, 5.0.0)');
  });

  it('local.settings.sample.json: the node worker and Azurite storage', () => {
    const settings = json<{ Values: Record<string, string> }>(`${app}local.settings.sample.json`);
    expect(settings.Values).toMatchObject({
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
  });
});

describe('the package', () => {
  it('exports what the table of the page lists', () => {
    const functions = [
      azure.register,
      azure.toAzure,
      azure.invokeAzure,
      azure.toNcrontab,
      azure.toAzureRoute,
      azure.fromAzureRequest,
      azure.toAzureResponse,
      azure.createAzureContext,
      azure.createInvocationLogger,
      azure.parseFunctionTimeout,
    ];
    for (const fn of functions) expect(typeof fn).toBe('function');
    expect(new azure.BatchFailedError('queue', 'queueTrigger', 1, [])).toMatchObject({ code: 'HANDLER_FAILED' });
    expect(azure.DEFAULT_STREAM_RETRY.maxRetryCount).toBe(-1);
    expect(azure.toAzureRoute('/orders/:id')).toBe('orders/{id}');
  });

  it('@azure/functions ^4 is a peer dependency, imported for types only outside invokeAzure()', () => {
    const pkg = json<PackageJson>('../../../packages/azure/package.json');
    expect(pkg.peerDependencies).toEqual({ '@skyport/core': '^0.1.0', '@azure/functions': '^4.0.0' });
    expect(pkg.dependencies ?? {}).not.toHaveProperty('@azure/functions');
    const root = json<{ devDependencies: Record<string, string> }>('../../../package.json');
    expect(root.devDependencies['@azure/functions']).toBe('4.16.5');
    const src = new URL('../../../packages/azure/src/', import.meta.url);
    const files = readdirSync(src).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    const loading = files.filter((file) => {
      const text = readFileSync(new URL(file, src), 'utf8');
      return /^import (?!type)[^;]*'@azure\/functions'/m.test(text) || text.includes("import('@azure/functions')");
    });
    expect(loading).toEqual(['invoke.ts']);
  });
});
