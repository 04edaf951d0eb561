// The status line at the bottom of a terminal (ora): loaded only when stdout is one, so runs into a pipe, a file
// or --json never load the spinner.
import ora, { type Ora } from 'ora';
import { fitWidth } from './event-lines.js';
import { type Cli, type OutStream, terminalColumns } from './io.js';

/** One line at the bottom of a terminal, redrawn in place; printed lines go above it. */
export interface StatusLine {
  set(text: string): void;
  print(line: string): void;
  stop(): void;
}

/**
 * The widest status text that ora counts as one row. ora clears as many rows as it counts, and it counts the text
 * plus four columns (`--text--`), not the two its frame uses: a text two columns shorter than the screen counted as
 * two rows, and each redraw erased the printed line above the status line (the first lines of a run at 80 columns).
 */
const statusWidth = (columns: number) => Math.max(1, columns - 4);

/**
 * The stream as ora sees it, its width clamped: ora divides by `columns` to count the rows it clears, and a terminal
 * reporting 0 (`script -qfc …`) made that Infinity, an endless loop of cursor moves that starved signal handling.
 */
function clampedStream(stream: OutStream): OutStream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === 'columns') return terminalColumns(target);
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function liveStatus(cli: Cli): StatusLine {
  const spinner: Ora = ora({
    stream: clampedStream(cli.io.stdout),
    isEnabled: true,
    discardStdin: false,
    hideCursor: false,
    color: cli.color.level > 0 ? 'cyan' : false,
  });
  return {
    set(text) {
      // The terminal's width now (it may have been resized): a status line that wraps would be cleared short.
      spinner.text = fitWidth(text, statusWidth(terminalColumns(cli.io.stdout)));
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
