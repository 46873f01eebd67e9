/**
 * The published manifests: every package that builds on core takes it as a peer, so an app has
 * one copy of it (with two, a function made by one copy is not recognised by the other), and
 * every package exposes its package.json to tools that read it through `exports`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly exports: Record<string, unknown>;
}

const manifest = (name: string): Manifest =>
  JSON.parse(readFileSync(join(import.meta.dirname, '..', 'packages', name, 'package.json'), 'utf8')) as Manifest;

describe('package manifests', () => {
  it.each(['aws', 'azure', 'gcp', 'node', 'testing'])(
    '%s takes @skyport/core as a peer, never a copy of its own',
    (name) => {
      const pkg = manifest(name);
      expect(pkg.dependencies ?? {}).not.toHaveProperty('@skyport/core');
      expect(pkg.peerDependencies?.['@skyport/core']).toBe('^0.1.0');
      // Sibling packages too: a range, so upgrading one alone does not conflict.
      for (const [dependency, range] of Object.entries(pkg.peerDependencies ?? {})) {
        if (dependency.startsWith('@skyport/')) expect(range).toBe('^0.1.0');
      }
    },
  );

  it.each(['core', 'aws', 'azure', 'gcp', 'node', 'testing', 'otel'])('%s exports its package.json', (name) => {
    expect(manifest(name).exports['./package.json']).toBe('./package.json');
  });
});
