// A terminal that reports 0 columns (`script -qfc …`): the status line and every width are clamped (80), so ora's
// row count stays finite and a run prints a bounded amount and ends.
import { EventEmitter } from 'node:events';
import readline from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CliIo, makeCli } from '../src/cli/io.js';
import { liveStatus } from '../src/cli/live-status.js';
import { run } from '../src/cli/run.js';
import { cleanEnv, SHIPPED, tempDir } from './support/cli.js';

/** A terminal 0 columns wide that throws past `limit` writes (an endless redraw loop fails the test, not hangs it). */
function zeroColumnTerminal(limit = 20_000) {
  let writes = 0;
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const write = stream.write.bind(stream) as (chunk: string) => boolean;
  stream.write = ((chunk: string) => {
    if (++writes > limit) throw new Error(`more than ${limit} writes: a redraw loop`);
    return write(chunk);
  }) as typeof stream.write;
  // What a tty.WriteStream adds, written as the escape codes a terminal gets.
  const term = Object.assign(stream, {
    isTTY: true,
    columns: 0,
    cursorTo: (x: number) => readline.cursorTo(stream, x),
    moveCursor: (dx: number, dy: number) => readline.moveCursor(stream, dx, dy),
    clearLine: (dir: -1 | 0 | 1) => readline.clearLine(stream, dir),
  });
  return { stream: term, text: () => text, writes: () => writes };
}

function io(stdout: CliIo['stdout'], cwd: string, env: Record<string, string> = {}): CliIo {
  const stderr = new Writable({ write: (_c, _e, done) => done() });
  return { stdout, stderr, stdin: Readable.from(['']), env: cleanEnv({ NO_COLOR: '1', ...env }), cwd, signals: new EventEmitter() };
}

describe('a terminal reporting 0 columns', () => {
  it('the status line draws and clears in a few writes (ora counts rows at 80 columns, not 0)', () => {
    const term = zeroColumnTerminal();
    const cli = makeCli(io(term.stream, tempDir()));
    expect(cli.columns).toBe(80);
    const status = liveStatus(cli);
    status.set(`Iteration 1 · proposing… ${'x'.repeat(200)}`);
    for (let i = 0; i < 5; i++) status.print(`line ${i}`);
    status.set('Iteration 2 · validating…');
    status.stop();
    expect(term.writes()).toBeLessThan(200);
    expect(term.text()).toContain('line 4');
    // The status text was cut to one 80-column row (76 characters of text and its ellipsis).
    expect(term.text()).not.toContain('x'.repeat(80));
  });

  it('a run on it (COLUMNS=0 too) ends with exit 0 and a bounded amount of output', async () => {
    const term = zeroColumnTerminal();
    const cwd = tempDir();
    const code = await run(['plan', 'Deploy the orchestrator', '-n', '3', '--unattended', '--procedures', SHIPPED], io(term.stream, cwd, { COLUMNS: '0' }));
    expect(code).toBe(0);
    expect(term.text()).toMatch(/▲ Iteration 2: /);
    expect(term.text().length).toBeLessThan(100_000);
  });
});
