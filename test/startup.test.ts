// Commands that never call a model must not load the model client (or the prompt and spinner libraries) at start-up.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SessionStore } from '../src/engine/sessions.js';
import { BIN, cleanEnv, ROOT, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers } from './support/fake-openai.js';

const TRACE = path.join(ROOT, 'test', 'support', 'import-trace', 'register.mjs');

function loaded(args: string[], expectCode?: number): string[] {
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { cwd: tempDir(), env: cleanEnv(), encoding: 'utf8' });
  if (expectCode !== undefined) expect(r.status, r.stderr).toBe(expectCode);
  return [...new Set([...r.stderr.matchAll(/^jupiter-test-loaded (\S+)$/gm)].map((m) => m[1]!))].sort();
}
/** The prompt, spinner and model libraries (the trace also reports the schema and YAML libraries). */
const heavy = (names: string[]) => names.filter((n) => n !== 'zod' && n !== 'yaml');

const { serve } = fakeServers();

/** Like `loaded`, for a command that talks to a local server (a child run with spawnSync would block the server). */
function loadedAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; loaded: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TRACE, BIN, ...args], { cwd: tempDir(), env: cleanEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, loaded: [...new Set([...stderr.matchAll(/^jupiter-test-loaded (\S+)$/gm)].map((m) => m[1]!))].sort() }));
  });
}

describe('start-up imports', () => {
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

  it('an unattended `plan` and `resume` load no prompt or spinner library', async () => {
    const memory = tempDir();
    const run = ['--unattended', '--json', '--memory', memory];
    const planned = loaded(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--procedures', SHIPPED, ...run], 0);
    expect(planned).not.toContain('@inquirer/prompts');
    // No terminal, no status line: the spinner library stays unloaded.
    expect(planned).not.toContain('ora');
    // The trace does see what a command loads: this run planned with the built-in planner and its worker thread.
    expect(planned).toContain('builtin-planner');
    // The parsed procedures are kept beside the memory, bound to the files' bytes (test/procedures-trust.test.ts).
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
    expect(resumed).not.toContain('ora');
  });

  it('an unattended model run loads the model client, not the built-in planner and its worker thread', async () => {
    const plan = JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8')));
    const server = await serve(() => ({ content: plan }));
    const model = ['--provider', 'custom', '--base-url', server.url, '--model', 'test-model'];
    const run = await loadedAsync(['plan', 'Deploy the orchestrator', '-n', '2', '--unattended', '--json', '--procedures', SHIPPED, ...model], {
      JUPITER_API_KEY: 'sk-test-0000',
    });
    expect(run.code).toBe(0);
    // The trace sees the model client when a command does use it (the check can fail).
    expect(run.loaded).toContain('openai');
    expect(run.loaded).not.toContain('builtin-planner');
  });
});
