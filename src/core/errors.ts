// Error classes that carry their exit code; the CLI catches them once at the top.

/** Exit codes of the CLI contract. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  halted: 3,
  interrupted: 130,
} as const;

export class JupiterError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failure, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flags, bad arguments, unreadable input files: nothing was started (exit 2). */
export class UsageError extends JupiterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.usage, options);
  }
}

/** A file that could not be read or parsed; the message names the file (and line). */
export class InputError extends JupiterError {
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(message: string, where?: { file?: string; line?: number }, options?: { cause?: unknown }) {
    const loc = where?.file ? `${where.file}${where.line ? `:${where.line}` : ''}: ` : '';
    super(`${loc}${message}`, ExitCode.usage, options);
    this.file = where?.file;
    this.line = where?.line;
  }
}

/** A runtime failure after work started; state has been saved (exit 1). */
export class RuntimeFailure extends JupiterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.failure, options);
  }
}

/** Another process holds the session or memory lock. */
export class LockedError extends JupiterError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}
