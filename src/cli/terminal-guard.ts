// A terminal that goes away while jupiter runs (its window closed, tmux killed, ssh dropped) is a hang-up, however it
// shows: SIGHUP, the end of stdin, or EIO/EPIPE from a write or from setRawMode at a prompt. Each one stops the run
// like SIGHUP (save, release, exit 129); none may crash it (an EIO from setRawMode once did, leaving it `running`).
import type { Cli, InStream, OutStream } from './io.js';

export interface TerminalGuard {
  /** stdin as the prompts get it: switching raw mode on a terminal that is gone says so instead of throwing. */
  input: InStream;
  release(): void;
}

/** Write errors that mean the terminal (or the pipe a person watched) is gone. */
const GONE = new Set(['EIO', 'EPIPE', 'ENXIO', 'ENOTCONN']);

type RawHandle = { setRawMode?(mode: boolean): number };

/**
 * Watches stdin, stdout and stderr of an interactive run and calls `lost` once when the terminal is gone. Register it
 * before any prompt, so its `end` listener runs before readline's (whose cleanup switches raw mode off).
 */
export function guardTerminal(cli: Cli, lost: () => void): TerminalGuard {
  const { stdin, stdout, stderr } = cli.io;
  let gone = false;
  const onGone = () => {
    if (gone) return;
    gone = true;
    lost();
  };
  const onError = (err: NodeJS.ErrnoException) => {
    if (GONE.has(err.code ?? '')) onGone();
  };
  // Only a terminal's write errors: a pipe closed early (`jupiter plan | head`) leaves the person at their terminal.
  const outputs = [...new Set<OutStream>([stdout, stderr, cli.promptOutput])].filter((s) => s.isTTY);
  stdin.on('end', onGone);
  stdin.on('error', onGone);
  for (const s of outputs) s.on('error', onError);
  return {
    input: guardedInput(stdin, () => gone, onGone),
    release() {
      stdin.off('end', onGone);
      stdin.off('error', onGone);
      for (const s of outputs) s.off('error', onError);
    },
  };
}

/**
 * stdin with a setRawMode that never emits an error: a tty stream emits EIO as an 'error' event, which readline
 * re-emits on an interface nobody listens to (an uncaught exception). The native handle's result is read instead.
 */
function guardedInput(stdin: InStream, gone: () => boolean, onGone: () => void): InStream {
  if (!stdin.setRawMode) return stdin;
  const proxy: InStream = new Proxy(stdin, {
    get(target, key) {
      if (key === 'setRawMode') return (mode: boolean) => setRaw(target, mode);
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const setRaw = (target: InStream, mode: boolean): InStream => {
    if (gone()) return proxy;
    const handle = (target as InStream & { _handle?: RawHandle })._handle;
    if (typeof handle?.setRawMode !== 'function') {
      target.setRawMode?.(mode);
      return proxy;
    }
    if (handle.setRawMode(mode) !== 0) onGone();
    else (target as InStream & { isRaw?: boolean }).isRaw = mode;
    return proxy;
  };
  return proxy;
}
