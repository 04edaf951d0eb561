// The terminal closed while a checkpoint prompt waits (#23.11): a real terminal (tmux) is killed under the prompt.
// The run must stop as on SIGHUP (the session saved as interrupted, its lock released, exit 129), never crash
// (an EIO from setRawMode once ended it in a native assertion and SIGSEGV, the session left `running`), and a
// resume must go on exactly where it stopped.
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import readline from 'node:readline';
import { PassThrough } from 'node:stream';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { makeCli } from '../src/cli/io.js';
import { guardTerminal } from '../src/cli/terminal-guard.js';
import { BIN, cleanEnv, ROOT, runCli, SHIPPED, tempDir } from './support/cli.js';
import { fakeServers, modelFlags, type Reply } from './support/fake-openai.js';
import { tmux, tmuxScreen } from './support/tmux.js';

const { serve } = fakeServers();
const SAME_PLAN: Reply = { content: JSON.stringify(parse(readFileSync(path.join(ROOT, 'examples', 'deploy-plan.yaml'), 'utf8'))) };
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/** Resolves with the file's text once it exists (renamed into place whole), on the folder's change events. */
function whenWritten(file: string): Promise<string> {
  return new Promise((resolve) => {
    const watcher = watch(path.dirname(file), () => check());
    const check = () => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve(readFileSync(file, 'utf8'));
    };
    check();
  });
}

const iterationsLogged = (memory: string) =>
  [...readFileSync(path.join(memory, 'execution_log.md'), 'utf8').matchAll(/^## Iteration (\d+) /gm)].map((m) => Number(m[1]));

describe.skipIf(!hasTmux)('the terminal closed at a checkpoint prompt', () => {
  it('saves the session as interrupted, releases it, exits 129; a resume goes on from the next iteration', async () => {
    const cwd = tempDir('jupiter-hangup-');
    const memory = path.join(cwd, 'memory');
    const server = await serve(() => SAME_PLAN);
    const session = `jupiter-hangup-${process.pid}`;
    const { until } = tmuxScreen(session, 100);
    // The shell around the run outlives the terminal (it ignores the hang-up) to write the run's exit code.
    const run = `NO_COLOR=1 JUPITER_API_KEY=sk-test-hangup ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 6 -c 2 ${modelFlags(server.url).join(' ')} --patience 0 --procedures ${SHIPPED} 2>stderr.txt`;
    const wrapper = `cd ${cwd} && trap : HUP; ${run}; echo $? > code.tmp && mv code.tmp code.txt`;
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', 'sh', '-c', wrapper);
    await until(/Checkpoint · iteration 2\/6[\s\S]*What next\?/);
    tmux('kill-session', '-t', session);

    const code = await whenWritten(path.join(cwd, 'code.txt'));
    const stderr = readFileSync(path.join(cwd, 'stderr.txt'), 'utf8');
    expect(stderr).not.toMatch(/Assertion failed|EIO|Segmentation|Error:/);
    expect(code.trim()).toBe('129');
    const [file] = readdirSync(path.join(memory, 'sessions')).filter((f) => f.endsWith('.json'));
    const saved = JSON.parse(readFileSync(path.join(memory, 'sessions', file!), 'utf8')) as { id: string; status: string; progress: { completed: number } };
    expect(saved).toMatchObject({ status: 'interrupted', progress: { completed: 2 } });
    expect(readdirSync(path.join(memory, 'sessions')).filter((f) => f.endsWith('.lock'))).toEqual([]);
    expect(iterationsLogged(memory)).toEqual([1, 2]);

    const resumed = await runCli(['resume', saved.id, '--unattended'], { cwd, env: { JUPITER_API_KEY: 'sk-test-hangup' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(iterationsLogged(memory)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

/** A terminal that can hang up: from then on its native raw-mode call fails with EIO (what a hung-up pty answers). */
function terminal(stdoutTty = true) {
  let alive = true;
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode: () => {
      throw new Error('the guarded input must not call the stream method (it emits the error readline re-throws)');
    },
    _handle: { setRawMode: () => (alive ? 0 : -5) },
  });
  const stdout = Object.assign(new PassThrough(), { isTTY: stdoutTty });
  const stderr = Object.assign(new PassThrough(), { isTTY: stdoutTty });
  const cli = makeCli({ stdin, stdout, stderr, env: cleanEnv(), cwd: tempDir(), signals: new EventEmitter() });
  let lost = 0;
  const guard = guardTerminal(cli, () => void lost++);
  return { stdin, stdout, guard, lost: () => lost, hangUp: () => void (alive = false) };
}

describe('the terminal guard', () => {
  it('the end of stdin under a readline prompt is one hang-up; raw mode switched off on the dead terminal throws nothing', () => {
    const t = terminal();
    const rl = readline.createInterface({ input: t.guard.input, output: new PassThrough(), terminal: true });
    expect(t.lost()).toBe(0);
    t.hangUp();
    t.stdin.emit('end');
    rl.close();
    expect(t.lost()).toBe(1);
    t.guard.release();
  });

  it('raw mode refused by the terminal (EIO) at a prompt is a hang-up, not an error event', () => {
    const t = terminal();
    t.hangUp();
    const errors: unknown[] = [];
    t.stdin.on('error', (e) => errors.push(e));
    t.guard.input.setRawMode?.(true);
    expect(t.lost()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('EIO or EPIPE writing to the terminal is a hang-up; EPIPE on a pipe (`| head`) is not', () => {
    const tty = terminal(true);
    tty.stdout.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }));
    expect(tty.lost()).toBe(1);
    const piped = terminal(false);
    piped.stdout.on('error', () => {});
    piped.stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(piped.lost()).toBe(0);
  });
});
