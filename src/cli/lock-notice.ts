// Says on stderr why a command is waiting for another process's lock, instead of waiting in silence.
import { safeText } from '../core/text.js';
import type { Cli } from './io.js';

export function lockWaitNotice(cli: Cli): (message: string) => void {
  return (message) => cli.err(`jupiter: ${safeText(message, true)} (\`jupiter unlock\` breaks a lock whose holder is gone)`);
}
