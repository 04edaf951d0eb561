// What `npm pack` ships: the CLI, its procedures and the memory README; no devtools, tests, sources or source maps.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/cli.js';

describe('the npm package', () => {
  it('lists no tools/, test/ or src/ files and no source maps pointing at unshipped sources', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, npm_config_loglevel: 'silent' },
    });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    expect(files).toContain('bin/jupiter.js');
    expect(files).toContain('dist/cli/run.js');
    expect(files).toContain('dist/planners/worker.js');
    expect(files).toContain('memory/README.md');
    expect(files.some((f) => f.startsWith('procedures/'))).toBe(true);
    expect(files.filter((f) => /^(tools|test|src|build)\//.test(f) || f.startsWith('dist/tools/'))).toEqual([]);
    // A map would point at src/*.ts, which is not shipped.
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  });
});
