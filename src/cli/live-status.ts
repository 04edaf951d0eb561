// The status line at the bottom of a terminal (ora): loaded only when stdout is one, so runs into a pipe, a file
// or --json never load the spinner.
import ora, { type Ora } from 'ora';
import { fitWidth } from './event-lines.js';
import type { Cli } from './io.js';

/** One line at the bottom of a terminal, redrawn in place; printed lines go above it. */
export interface StatusLine {
  set(text: string): void;
  print(line: string): void;
  stop(): void;
}

export function liveStatus(cli: Cli): StatusLine {
  const spinner: Ora = ora({ stream: cli.io.stdout, isEnabled: true, discardStdin: false, hideCursor: false, color: cli.color.level > 0 ? 'cyan' : false });
  return {
    set(text) {
      // Two columns for the spinner: a line that wraps would leave copies of itself behind on every redraw.
      spinner.text = fitWidth(text, cli.columns - 3);
      if (!spinner.isSpinning) spinner.start();
    },
    print(line) {
      const spinning = spinner.isSpinning;
      if (spinning) spinner.clear();
      cli.io.stdout.write(`${line}\n`);
      if (spinning) spinner.render();
    },
    stop() {
      if (spinner.isSpinning) spinner.stop();
    },
  };
}
