// Terminal prompts for `procedures new` (none without a terminal, so the flow refuses rather than hangs).
import type { NewProceduresIO } from './new-procedures.js';
import { terminalConfirmOverwrite } from './authoring.js';

export async function terminalIO(print: (line: string) => void): Promise<NewProceduresIO> {
  if (!process.stdin.isTTY) return { out: print };
  const { confirm, input } = await import('@inquirer/prompts');
  const overwrite = terminalConfirmOverwrite();
  return {
    out: print,
    confirm: (message, defaultYes) => confirm({ message, default: defaultYes }),
    scaffold: {
      input: (message, opts) => input({ message, ...(opts?.default !== undefined ? { default: opts.default } : {}), ...(opts?.validate ? { validate: opts.validate } : {}) }),
    },
    ...(overwrite ? { confirmOverwrite: overwrite } : {}),
  };
}
