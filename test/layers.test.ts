// The import graph of src/ runs one way: cli -> engine -> (planners, state, export) -> memory -> feedback ->
// procedures -> config -> core, a module importing only from its own layer or lower ones, and no cycle of files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

const SRC = path.join(ROOT, 'src');
/** Each top-level folder's rank: an import may go to a lower rank, or within its own folder. */
const RANK: Record<string, number> = { core: 0, config: 1, procedures: 2, feedback: 3, memory: 4, planners: 5, state: 5, export: 5, engine: 6, cli: 7 };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every relative import of a file (static, re-export and dynamic) as a source path, and whether it is for types only. */
function importsOf(file: string): { to: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(import\s+type\s[^;]*?from\s+|(?:from\s+|import\s*\(\s*))'(\.{1,2}\/[^']+)'/g)].map((m) => ({
    to: path.resolve(path.dirname(file), m[2]!).replace(/\.js$/, '.ts'),
    typeOnly: m[1]!.startsWith('import type'),
  }));
}

const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;
const graph = new Map(sources(SRC).map((f) => [f, importsOf(f)]));

describe('layers', () => {
  it('every folder of src/ has a rank', () => {
    expect([...new Set([...graph.keys()].map(layerOf))].filter((l) => RANK[l] === undefined)).toEqual([]);
  });

  it('no import goes up the layers or sideways into another folder of the same rank', () => {
    const against: string[] = [];
    for (const [file, targets] of graph)
      for (const { to: t } of targets) {
        const [from, to] = [layerOf(file), layerOf(t)];
        if (from !== to && RANK[to]! >= RANK[from]!) against.push(`${path.relative(SRC, file)} -> ${path.relative(SRC, t)}`);
      }
    expect(against).toEqual([]);
  });

  // A type-only import is erased when compiled: it orders no module loading, so it cannot close a cycle.
  it('no cycle among the files', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(SRC, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const { to, typeOnly } of graph.get(file) ?? []) if (!typeOnly && graph.has(to)) visit(to, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
