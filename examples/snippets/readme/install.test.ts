/**
 * README.md, "Install": every package is there, each with the peers it cannot run without, and
 * the quick start's imports are installed by the first lines.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = /## Install\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';

/** The packages of each `npm i` command of the section, in order. */
const commands = [...section.matchAll(/npm i (?:-D )?([^`#\n]+)/g)].map((m) => (m[1] ?? '').trim().split(/\s+/));
const installed = new Set(commands.flat());

interface PackageJson {
  readonly name: string;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => JSON.parse(readFileSync(join(root, 'packages', entry.name, 'package.json'), 'utf8')) as PackageJson);

describe('README install', () => {
  it('installs what the quick start and its test import', () => {
    expect(commands[0]).toEqual(['@skyport/core', 'zod']);
    expect(commands[1]).toEqual(['@skyport/testing', 'vitest']);
  });

  it.each(packages.map((pkg) => [pkg.name, pkg] as const))('names %s with its required peers', (name, pkg) => {
    const command = commands.find((packages) => packages.includes(name));
    expect(command).toBeDefined();
    const required = Object.keys(pkg.peerDependencies ?? {}).filter(
      (peer) => !pkg.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const peer of required) {
      expect(peer === '@skyport/core' ? installed.has(peer) : command?.includes(peer), `${name} needs ${peer}`).toBe(
        true,
      );
    }
  });

  it('installs tsx for the CLI on TypeScript', () => {
    expect(installed.has('tsx')).toBe(true);
  });
});
