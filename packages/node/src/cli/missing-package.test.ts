import { describe, expect, it, vi } from 'vitest';

// The packages are installed in this repository: a module that cannot find them stands in.
vi.mock('../raw.js', async (original) => {
  const raw = await original<typeof import('../raw.js')>();
  return {
    ...raw,
    importOptional: (pkg: string, purpose: string) =>
      Promise.reject(new raw.AdapterUnavailableError(pkg, `${purpose} need ${pkg}, which is not installed`)),
  };
});

const { main } = await import('./main.js');

describe('a command whose package is not installed', () => {
  it('exits 2, as a usage error does, naming the package: nothing ran', async () => {
    // Prepare
    let err = '';
    const io = {
      out: () => {},
      err: (text: string) => {
        err += text;
      },
    };

    // Act
    const code = await main(['events', 'node', 'http'], io);

    // Assert
    expect(code).toBe(2);
    expect(err).toBe('skyport: sample events need @skyport/testing, which is not installed\n');
  });
});
