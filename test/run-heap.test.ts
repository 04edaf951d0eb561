// A run (plan, resume) asks the process to size its heap for a long run once it is set up; other commands never do.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { SessionStore } from '../src/engine/sessions.js';
import { cleanEnv, SHIPPED, tempDir } from './support/cli.js';

/** Runs `jupiter <args>` in this process with the bin shim's heap hook replaced by a counter. */
async function counted(args: string[], cwd: string): Promise<{ code: number; bounds: number }> {
  let bounds = 0;
  const sink = () => new PassThrough().resume();
  const code = await run(args, {
    stdout: sink(),
    stderr: sink(),
    stdin: Readable.from(['']),
    env: cleanEnv(),
    cwd,
    signals: new EventEmitter(),
    boundHeapForRun: () => void bounds++,
  });
  return { code, bounds };
}

describe('heap sizing for a long run', () => {
  it('plan and resume ask for it once, after set-up; summary and a refused plan never do', async () => {
    const cwd = tempDir();
    const memory = path.join(cwd, 'memory');
    const common = ['--unattended', '--json', '--memory', memory];
    expect(await counted(['plan', 'Deploy the orchestrator', '-n', '1', '-c', '0', '--procedures', SHIPPED, ...common], cwd)).toEqual({ code: 0, bounds: 1 });
    // Refused before anything starts (bad usage): no run, no heap change.
    expect(await counted(['plan', 'Deploy the orchestrator', '-n', 'many', '--procedures', SHIPPED, ...common], cwd)).toEqual({ code: 2, bounds: 0 });
    expect(await counted(['summary', '--memory', memory], cwd)).toMatchObject({ code: 0, bounds: 0 });

    // The session that run saved, made resumable for one more iteration.
    const store = new SessionStore(path.join(memory, 'sessions'));
    const [listed] = (await store.list()).sessions;
    const state = await store.load(listed!.id);
    Object.assign(state, { status: 'interrupted' });
    state.settings.iterations = state.progress.completed + 1;
    delete state.converged;
    await store.save(state);
    expect(await counted(['resume', state.id, ...common], cwd)).toEqual({ code: 0, bounds: 1 });
  });
});
