// Commands that never call a model must not load the model client (or the prompt and spinner libraries) at start-up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../src/engine/sessions.js';
import { BIN, cleanEnv, ROOT, SHIPPED, tempDir } from './support/cli.js';

const TRACE = path.join(ROOT, 'test', 'support', 'import-trace', 'register.mjs');

function loaded(args: string[], expectCode?: number): string[] {
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd: tempDir(), env: cleanEnv(), encoding: 'utf8' });
  if (expectCode !== undefined) expect(r.status, r.stderr).toBe(expectCode);
  return [...new Set([...r.stderr.matchAll(/^jupiter-test-loaded (\S+)$/gm)].map((m) => m[1]!))].sort();
}
/** The prompt, spinner and model libraries (the trace also reports the schema and YAML libraries). */
const heavy = (names: string[]) => names.filter((n) => n !== 'zod' && n !== 'yaml');

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
      expect(heavy(loaded(args))).toEqual([]);
    });
  }

  it('an unattended `plan` and `resume` load no prompt library; a resume of a saved session loads no schema or YAML library', async () => {
    const memory = tempDir();
    const run = ['--unattended', '--json', '--memory', memory];
    expect(loaded(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--procedures', SHIPPED, ...run], 0)).not.toContain('@inquirer/prompts');
    // The run kept the parsed procedures for the next start.
    expect(existsSync(path.join(memory, '.jupiter', 'procedures.json'))).toBe(true);
    // The session that run saved, made resumable for one more iteration.
    const store = new SessionStore(path.join(memory, 'sessions'));
    const [listed] = (await store.list()).sessions;
    const state = await store.load(listed!.id);
    Object.assign(state, { status: 'interrupted' });
    state.settings.iterations = state.progress.completed + 1;
    delete state.converged;
    await store.save(state);
    const resumed = loaded(['resume', state.id, ...run], 0);
    expect(resumed).not.toContain('@inquirer/prompts');
    expect(resumed).not.toContain('zod');
    // Its session file, plan files and the procedures (cached by the plan) are read without the yaml package.
    expect(resumed).not.toContain('yaml');
  });
});
