// A small terminal for in-process tests: a stdout that says it is a TTY of a given width, wraps long lines, and
// obeys the cursor calls and escape codes a status line uses, so a test reads the screen a person would see.
import { Writable } from 'node:stream';

export class Terminal extends Writable {
  readonly isTTY = true;
  /** Every row ever shown, scrollback included; `wrapped[i]`: row i continues row i - 1 (the line was too long). */
  private readonly rows: string[][] = [[]];
  private readonly wrapped: boolean[] = [false];
  private row = 0;
  private col = 0;

  constructor(readonly columns: number) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.put(chunk.toString());
    done();
  }

  cursorTo(x: number, _y?: unknown, cb?: () => void): boolean {
    this.col = Math.min(x, this.columns - 1);
    cb?.();
    return true;
  }

  moveCursor(dx: number, dy: number, cb?: () => void): boolean {
    this.row = Math.max(0, this.row + dy);
    this.col = Math.max(0, this.col + dx);
    while (this.rows.length <= this.row) this.newRow(false);
    cb?.();
    return true;
  }

  /** `dir` 1: from the cursor to the end of the row; 0: the whole row; -1: up to the cursor. */
  clearLine(dir: -1 | 0 | 1, cb?: () => void): boolean {
    const r = this.rows[this.row]!;
    if (dir === 1) r.length = Math.min(r.length, this.col);
    else if (dir === 0) r.length = 0;
    else for (let i = 0; i <= this.col && i < r.length; i++) r[i] = ' ';
    cb?.();
    return true;
  }

  /** The screen as `tmux capture-pane -J` gives it: wrapped rows joined, trailing spaces cut. */
  text(): string {
    const lines: string[] = [];
    this.rows.forEach((r, i) => {
      const s = r.join('').trimEnd();
      if (this.wrapped[i] && lines.length) lines[lines.length - 1] += s;
      else lines.push(s);
    });
    return lines.join('\n');
  }

  private newRow(wrapped: boolean): void {
    this.rows.push([]);
    this.wrapped.push(wrapped);
  }

  private put(text: string): void {
    // Escape codes: ESC [ params letter. Only the ones a status line or a prompt moves the cursor with matter here.
    const parts = text.split(/(\x1b\[[0-9;?]*[A-Za-z])/);
    for (const part of parts) {
      const code = /^\x1b\[([0-9;?]*)([A-Za-z])$/.exec(part);
      if (code) this.escape(Number(code[1]) || 0, code[2]!);
      else for (const ch of part) this.char(ch);
    }
  }

  private escape(n: number, letter: string): void {
    if (letter === 'A') this.moveCursor(0, -(n || 1));
    else if (letter === 'B') this.moveCursor(0, n || 1);
    else if (letter === 'G') this.cursorTo(Math.max(0, n - 1));
    else if (letter === 'K') this.clearLine(n === 0 ? 1 : n === 1 ? -1 : 0);
  }

  private char(ch: string): void {
    if (ch === '\r') this.col = 0;
    else if (ch === '\n') {
      this.row++;
      this.col = 0;
      if (this.row >= this.rows.length) this.newRow(false);
    } else {
      if (this.col >= this.columns) {
        this.row++;
        this.col = 0;
        if (this.row >= this.rows.length) this.newRow(true);
        else this.wrapped[this.row] = true;
      }
      const r = this.rows[this.row]!;
      while (r.length < this.col) r.push(' ');
      r[this.col++] = ch;
    }
  }
}
