// What one CLI run talks to (streams, environment, folder, signals) and the terminal styling derived from them.
import { Chalk, type ChalkInstance } from 'chalk';

export type OutStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
export type InStream = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Where Ctrl-C, SIGTERM and SIGHUP come from: the process, or a test that raises them itself. */
export interface SignalSource {
  on(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  stdin: InStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  signals: SignalSource;
  /** Ends the process at once (a second Ctrl-C). Only the bin shim passes process.exit; in-process callers leave it out. */
  forceExit?: (code: number) => void;
  /**
   * Sizes the process's heap for a long run, once it is set up (a run calls it; other commands do not). Only the bin
   * shim passes it: V8's settings are the process's, not an in-process caller's.
   */
  boundHeapForRun?: () => void;
  /**
   * The terminal hung up (SIGHUP, EIO, the end of stdin): the bin shim then exits without restoring the terminal's
   * modes, which on a terminal that is gone fails an assertion in Node and dies by SIGSEGV instead of exiting 129.
   */
  terminalGone?: () => void;
}

/** The context every command gets: injected io, line writers, colours that respect NO_COLOR and pipes. */
export interface Cli {
  io: CliIo;
  /** One line to stdout. */
  out(line?: string): void;
  /** One line to stderr. */
  err(line?: string): void;
  /** Colours for stdout (level 0 when NO_COLOR is set or stdout is not a terminal). */
  color: ChalkInstance;
  /** stdout is a terminal: a live status line and cursor codes are allowed. */
  tty: boolean;
  /** Terminal width (80 when unknown); unlimited when stdout is not a terminal (a log keeps whole lines). */
  columns: number;
  /** Where prompts go: the terminal, never a pipe (`jupiter plan | tee log` keeps cursor codes out of the log). */
  promptOutput: OutStream;
  /** Wraps a command's action: the exit code it returns becomes the run's (commands never set process.exitCode). */
  // biome-ignore lint/suspicious/noConfusingVoidType: actions that return nothing are `async () => {}`, whose Promise<void> is not a Promise<undefined>.
  action<A extends unknown[]>(fn: (...args: A) => Promise<number | void> | number | void): (...args: A) => Promise<void>;
  /** The exit code the last action returned (0 when it returned nothing). */
  readonly exitCode: number;
}

/** Colour level for a stream: NO_COLOR wins, then FORCE_COLOR, then whether it is a terminal (and not TERM=dumb). */
export function colorLevel(env: NodeJS.ProcessEnv, stream: OutStream): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n === 2 || n === 3 ? n : 1;
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  // Every colour jupiter uses is one of the basic sixteen.
  return 1;
}

/** Widest a terminal is believed to be: a pty that reports 0 (or garbage) columns is taken as 80 wide. */
const MAX_COLUMNS = 10_000;

/** A terminal's width now: its reported columns when that is a sane positive number, else 80. */
export function terminalColumns(stream: OutStream): number {
  const c = stream.columns;
  return typeof c === 'number' && Number.isFinite(c) && c >= 1 && c <= MAX_COLUMNS ? Math.floor(c) : 80;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd(), signals: process };
}

export function makeCli(io: CliIo): Cli {
  const tty = Boolean(io.stdout.isTTY) && io.env.TERM !== 'dumb';
  let exitCode = 0;
  return {
    action:
      (fn) =>
      async (...args) => {
        const code = await fn(...args);
        exitCode = typeof code === 'number' ? code : 0;
      },
    get exitCode() {
      return exitCode;
    },
    io,
    out: (line = '') => void io.stdout.write(`${line}\n`),
    err: (line = '') => void io.stderr.write(`${line}\n`),
    color: new Chalk({ level: colorLevel(io.env, io.stdout) }),
    tty,
    columns: !tty ? Number.POSITIVE_INFINITY : terminalColumns(io.stdout),
    promptOutput: io.stdout.isTTY || !io.stderr.isTTY ? io.stdout : io.stderr,
  };
}
