// End to end as a person would: the real CLI in a real terminal (tmux), checkpoint prompts answered by keystroke.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, SHIPPED, tempDir } from './support/cli.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `jupiter-e2e-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-t', session, '-S', '-200');

/** Polls the screen until `pattern` shows (a condition, not a fixed sleep), failing with the screen on timeout. */
async function until(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; screen:\n${text}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Counts how many times `pattern` occurs on screen, for prompts that repeat. */
const occurrences = (pattern: RegExp) => (screen().match(new RegExp(pattern.source, 'g')) ?? []).length;

describe.skipIf(!hasTmux)('checkpoint prompts in a real terminal', () => {
  afterAll(() => void spawnSync('tmux', ['kill-session', '-t', session]));

  it('continue, reject with a reason, then stop, by keystroke', async () => {
    const cwd = tempDir('jupiter-tmux-');
    const cmd = `cd ${cwd} && NO_COLOR=1 ${process.execPath} ${BIN} plan "Deploy the orchestrator" -n 6 -c 2 --procedures ${SHIPPED}; echo "EXIT=$?"`;
    tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', 'bash', '--norc', '--noprofile');
    tmux('set-option', '-t', session, 'history-limit', '5000');
    tmux('send-keys', '-t', session, '-l', cmd);
    tmux('send-keys', '-t', session, 'Enter');

    await until(/Checkpoint · iteration 2\/6[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Enter'); // Continue autonomously

    await until(/Checkpoint · iteration 4\/6[\s\S]*What next\?/);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Enter'); // Reject with a reason
    await until(/Reason \(the next iteration must address it\)/);
    tmux('send-keys', '-t', session, '-l', 'Name the on-call SRE in the deploy step');
    tmux('send-keys', '-t', session, 'Enter');

    await until(/Checkpoint · iteration 6\/6 \(final\)[\s\S]*What next\?/);
    expect(occurrences(/What next\?/)).toBeGreaterThanOrEqual(3);
    tmux('send-keys', '-t', session, 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter'); // Stop

    const final = await until(/EXIT=\d+/);
    expect(final).toMatch(/EXIT=0/);
    expect(final).toContain('Stopped. Completed: 6 iterations. Memory updated.');
    expect(final).toMatch(/✔ Iteration 5: approved \(valid\)/);
    expect(final).toContain('decision: rejection — "Name the on-call SRE in the deploy step"');

    const memory = path.join(cwd, 'memory');
    expect(readFileSync(path.join(memory, 'lessons.md'), 'utf8')).toMatch(/- ×1 · human · Name the on-call SRE in the deploy step/);
    const log = readFileSync(path.join(memory, 'execution_log.md'), 'utf8');
    expect(log.match(/^## Iteration \d+/gm)).toHaveLength(6);
    expect(log).toContain('## Review of iteration 4 · rejected');
    expect(log).toContain('- **Addressed feedback:** "Name the on-call SRE in the deploy step"');
  });
});
