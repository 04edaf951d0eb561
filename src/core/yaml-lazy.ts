// The `yaml` package, loaded at first use: it takes ~15 ms to load, and a run's start reads only jupiter's own
// files (own-yaml.ts reads those), so `plan` and `resume` reach their first iteration without it.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const load = createRequire(import.meta.url);

/** The package itself (Node caches it: the first call loads it, later ones are a lookup). */
export function yaml(): typeof Yaml {
  return load('yaml') as typeof Yaml;
}
