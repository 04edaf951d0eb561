// A question pending at a prompt survives what ends the process there: a SIGKILL (resume asks it again before
// running anything) and a SIGHUP or SIGTERM (the prompt gives up, the run saves as interrupted, the lock is released).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, type Reply } from './support/fake-openai.js';

const { serve } = fakeServers();
/** The same valid plan every time (and --patience 0): every checkpoint is reached. */
const SAME_PLAN: Reply = {
  content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))),
  usage: { prompt_tokens: 100, completion_tokens: 50 },
};

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
let opened: string[] = [];
afterEach(() => {
  for (const s of opened) spawnSync('tmux', ['kill-session', '-t', s]);
  opened = [];
});

/** Runs `command` in a fresh terminal (a tmux session of its own); `until` polls its screen for a pattern. */
function terminal(name: string, command: string) {
  const session = `jupiter-pending-${process.pid}-${name}`;
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', 'bash', '--norc', '--noprofile');
  opened.push(session);
  tmux('send-keys', '-t', session, '-l', `${command}; echo "EXIT=$?"`);
  tmux('send-keys', '-t', session, 'Enter');
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', session, '-S', '-300');
  return {
    keys: (...keys: string[]) => tmux('send-keys', '-t', session, ...keys),
    /** Polls until `pattern` shows; fails with the screen as soon as the command ended without it (an event, not a deadline). */
    async until(pattern: RegExp): Promise<string> {
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (/EXIT=\d+/.test(text)) throw new Error(`the command ended before ${pattern} showed; screen:\n${text}`);
        await new Promise((r) => setTimeout(r, 100)); // see test/support/tmux.ts
      }
    },
  };
}

function sessionOf(memory: string): { id: string; file: string; lock: string; state: () => Record<string, unknown> } {
  const dir = path.join(memory, 'sessions');
  const id = readdirSync(dir)
    .find((n) => n.endsWith('.json') && !n.startsWith('.'))!
    .slice(0, -5);
  const file = path.join(dir, `${id}.json`);
  return { id, file, lock: path.join(dir, `${id}.lock`), state: () => parse(readFileSync(file, 'utf8')) as Record<string, unknown> };
}

const iterationsLogged = (memory: string) =>
  [...readFileSync(path.join(memory, 'execution_log.md'), 'utf8').matchAll(/^<!-- jupiter:entry (\{.*\}) -->$/gm)]
    .map((m) => JSON.parse(m[1]!) as { type: string; iteration: number })
    .filter((r) => r.type === 'iteration')
    .map((r) => r.iteration);

describe.skipIf(!hasTmux)('a decision pending at a prompt', () => {
  it('SIGKILL while the checkpoint prompt waits: the resume asks the same question before running anything', async () => {
    const cwd = tempDir('jupiter-pending-');
    const memory = path.join(cwd, 'memory');
    const server = await serve(() => SAME_PLAN);
    const model = `--provider custom --base-url ${server.url} --model test-model --patience 0 --procedures ${SHIPPED}`;
    const first = terminal('kill', `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 4 -c 2 ${model}`);
    await first.until(/Checkpoint · iteration 2\/4[\s\S]*What next\?/);
    const s = sessionOf(memory);
    // The question is on disk before it is asked.
    expect(s.state()).toMatchObject({ status: 'running', pendingDecision: { kind: 'checkpoint', iteration: 2 } });
    const holder = JSON.parse(readFileSync(s.lock, 'utf8')) as { pid: number };
    process.kill(holder.pid, 'SIGKILL');
    await first.until(/EXIT=137/);

    const second = terminal('resume', `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} resume ${s.id}`);
    await second.until(/Checkpoint · iteration 2\/4[\s\S]*What next\?/);
    // Asked again before iteration 3 ran.
    expect(iterationsLogged(memory)).toEqual([1, 2]);
    second.keys('Enter'); // Continue autonomously
    await second.until(/Checkpoint · iteration 4\/4 \(final\)[\s\S]*What next\?/);
    second.keys('Enter'); // Finish
    expect(await second.until(/EXIT=\d+/)).toMatch(/EXIT=0/);
    expect(iterationsLogged(memory)).toEqual([1, 2, 3, 4]);
    expect(s.state()).toMatchObject({ status: 'completed' });
    expect(s.state().pendingDecision).toBeUndefined();
  });

  for (const [signal, code] of [
    ['SIGHUP', 129],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} while the prompt waits: the prompt gives up, exit ${code}, session interrupted with the question kept, lock released`, async () => {
      const cwd = tempDir('jupiter-pending-');
      const memory = path.join(cwd, 'memory');
      const server = await serve(() => SAME_PLAN);
      const model = `--provider custom --base-url ${server.url} --model test-model --patience 0 --procedures ${SHIPPED}`;
      const t = terminal(signal.toLowerCase(), `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 4 -c 2 ${model}`);
      await t.until(/Checkpoint · iteration 2\/4[\s\S]*What next\?/);
      const s = sessionOf(memory);
      const holder = JSON.parse(readFileSync(s.lock, 'utf8')) as { pid: number };
      process.kill(holder.pid, signal);
      expect(await t.until(/EXIT=\d+/)).toMatch(new RegExp(`EXIT=${code}`));
      expect(s.state()).toMatchObject({ status: 'interrupted', pendingDecision: { kind: 'checkpoint', iteration: 2 } });
      expect(existsSync(s.lock)).toBe(false);
      expect(iterationsLogged(memory)).toEqual([1, 2]);
    });
  }
});
