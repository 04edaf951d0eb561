// Drives a real terminal for end-to-end tests: a tmux session, its screen, and a wait for what shows on it.
import { execFileSync } from 'node:child_process';

export const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

/** The screen of `session` (with `history` lines of scrollback), and a wait for a pattern on it. */
export function tmuxScreen(session: string, history: number) {
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', session, '-S', `-${history}`);
  /**
   * Polls the screen until `pattern` shows; fails with the screen as soon as the command has ended without it (an
   * event, not a deadline). A capture costs ~15 ms of CPU (a tmux client and its server's answer, measured): 100 ms
   * between captures leaves the two cores to the CLI (at 25 ms the polling took a third of a core).
   */
  async function until(pattern: RegExp): Promise<string> {
    for (;;) {
      const text = screen();
      if (pattern.test(text)) return text;
      if (/EXIT=\d+/.test(text)) throw new Error(`the command ended before ${pattern} showed; screen:\n${text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { screen, until };
}

/** Opens tmux session `session` at `cols`×`rows` (5,000 lines of scrollback) on a plain bash and types `cmd` into it. */
export function typeInNewTerminal(session: string, cols: number, rows: number, cmd: string): void {
  tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), 'bash', '--norc', '--noprofile');
  tmux('set-option', '-t', session, 'history-limit', '5000');
  tmux('send-keys', '-t', session, '-l', cmd);
  tmux('send-keys', '-t', session, 'Enter');
}
