// Commands that never call a model must not load the model client (or the prompt and spinner libraries) at start-up.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cleanEnv, ROOT, SHIPPED, tempDir } from './support/cli.js';

const TRACE = path.join(ROOT, 'test', 'support', 'import-trace', 'register.mjs');

function loaded(args: string[]): string[] {
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd: tempDir(), env: cleanEnv(), encoding: 'utf8' });
  return [...new Set([...r.stderr.matchAll(/^jupiter-test-loaded (\S+)$/gm)].map((m) => m[1]!))].sort();
}

describe('start-up imports', () => {
  it('the trace sees the model client when a command does use it', () => {
    expect(loaded(['doctor', '--provider', 'custom', '--base-url', 'http://127.0.0.1:1/v1', '--model', 'm'])).toContain('openai');
  });

  for (const args of [
    ['--help'],
    ['summary'],
    ['sessions'],
    ['procedures', '--procedures', SHIPPED],
    ['validate', path.join(ROOT, 'examples', 'deploy-plan.yaml')],
  ]) {
    it(`\`jupiter ${args[0]}\` loads none of openai, ora, @inquirer/prompts`, () => {
      expect(loaded(args)).toEqual([]);
    });
  }
});
