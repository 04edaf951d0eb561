// Vitest global setup: the tests run the compiled dist/ (see vitest.config.ts), so a source file newer than the last
// build is compiled first (`tsc -b`, incremental). `npm test` has built already; this guards `npx vitest run <file>`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(file) : statSync(file).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(path.join(ROOT, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  if (newestSource(path.join(ROOT, 'src')) <= builtAt()) return;
  const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (tsc.status !== 0) throw new Error(`the sources do not compile (tests run dist/):\n${tsc.stdout}${tsc.stderr}`);
}
