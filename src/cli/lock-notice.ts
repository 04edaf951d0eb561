// Says on stderr why a command is waiting for another process's lock, instead of waiting in silence.
import { safeText } from '../core/text.js';

export function lockWaitNotice(message: string): void {
  process.stderr.write(`jupiter: ${safeText(message, true)} (\`jupiter unlock\` breaks a lock whose holder is gone)\n`);
}
