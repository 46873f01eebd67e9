/** Loads the GCP sample events under `packages/gcp/test/fixtures` (see SOURCES.md there). */
import { readFileSync } from 'node:fs';

const root = new URL('../../test/fixtures/', import.meta.url);

/** A fixture parsed as JSON, e.g. `fixture('pubsub/google-cloudevents__MessagePublishedData.json')`. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;
}
