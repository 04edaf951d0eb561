// Any line ending reads the same in the log (LF, CRLF, CR alone, CRCRLF), and a log whose record lines none can
// read is never numbered from 1 again (issue 23, item 5: `sed -i 's/$/\r\r/'` made summary show 0 iterations and
// resume restart at iteration 1, writing duplicate seq and iteration numbers).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SessionStore } from '../src/engine/sessions.js';
import { readLogAll } from '../src/memory/log-range.js';
import { runCli, tempDir } from './support/cli.js';

/** A three-iteration built-in session, run once; each test gets its own copy: its folder, log file and id. */
let original: Promise<{ cwd: string; id: string }> | undefined;
async function logged(): Promise<{ cwd: string; log: string; id: string }> {
  original ??= (async () => {
    const cwd = tempDir();
    const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '3', '-c', '0'], { cwd });
    expect(r.code).toBe(0);
    const [listed] = (await new SessionStore(path.join(cwd, 'memory', 'sessions')).list()).sessions;
    return { cwd, id: listed!.id };
  })();
  const { cwd: from, id } = await original;
  const cwd = tempDir();
  cpSync(from, cwd, { recursive: true });
  return { cwd, log: path.join(cwd, 'memory', 'execution_log.md'), id };
}

/** The session made resumable for `more` iterations, as after an interruption. */
async function resumable(cwd: string, id: string, more: number): Promise<number> {
  const store = new SessionStore(path.join(cwd, 'memory', 'sessions'));
  const state = await store.load(id);
  Object.assign(state, { status: 'interrupted' });
  state.settings.iterations = state.progress.completed + more;
  delete state.converged;
  await store.save(state);
  return state.progress.completed;
}

const iterationsOf = async (cwd: string) => (JSON.parse((await runCli(['summary', '--json'], { cwd })).stdout) as { iterations: number }).iterations;

const ENDINGS: [string, (text: string) => string][] = [
  ['CRLF', (t) => t.replace(/\n/g, '\r\n')],
  ['CR alone', (t) => t.replace(/\n/g, '\r')],
  ['CRCRLF', (t) => t.replace(/\n/g, '\r\r\n')],
];

describe('log line endings', () => {
  for (const [name, rewrite] of ENDINGS) {
    it(`${name}: summary counts what it did, and resume goes on with no seq or iteration written twice`, async () => {
      const { cwd, log, id } = await logged();
      const before = await iterationsOf(cwd);
      expect(before).toBeGreaterThan(0);
      writeFileSync(log, rewrite(readFileSync(log, 'utf8')));
      expect(await iterationsOf(cwd)).toBe(before);
      const done = await resumable(cwd, id, 1);
      const r = await runCli(['resume', id, '--unattended'], { cwd });
      expect(r.code).toBe(0);
      const records = readLogAll(log, (rec) => rec);
      const seqs = records.map((rec) => rec.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      const iterations = records.filter((rec) => rec.type === 'iteration' && rec.session === id).map((rec) => rec.iteration);
      expect(iterations).toEqual(iterations.map((_, i) => i + 1));
      expect(iterations.at(-1)).toBe(done + 1);
    });
  }

  it('a log whose record lines none can read stops the next run with an error naming it, and nothing is written', async () => {
    const { cwd, log } = await logged();
    // Every record line damaged the same way (here: its JSON cut open), the rest of the log intact.
    const damaged = readFileSync(log, 'utf8').replace(/<!-- jupiter:entry \{/g, '<!-- jupiter:entry {{');
    writeFileSync(log, damaged);
    const r = await runCli(['plan', 'Deploy the orchestrator', '--unattended', '-n', '1'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${log}: holds record lines, but none of them can be read`);
    expect(readFileSync(log, 'utf8')).toBe(damaged);
  });
});
