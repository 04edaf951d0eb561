// Terminal prompts for `procedures new` (none without a terminal, so the flow refuses rather than hangs).
import type { NewProceduresIO } from './new-procedures.js';
import { terminalConfirmOverwrite } from './authoring.js';
import type { Cli } from './io.js';

/** `output` overrides where prompts draw (stderr under --json, so stdout stays machine-readable). */
export async function terminalIO(cli: Cli, print: (line: string) => void, output?: NodeJS.WritableStream): Promise<NewProceduresIO> {
  if (!cli.io.stdin.isTTY) return { out: print };
  const { confirm, input } = await import('@inquirer/prompts');
  const overwrite = terminalConfirmOverwrite(cli);
  const context = { input: cli.io.stdin, output: output ?? cli.promptOutput };
  return {
    out: print,
    confirm: (message, defaultYes) => confirm({ message, default: defaultYes }, context),
    scaffold: {
      input: (message, opts) =>
        input({ message, ...(opts?.default !== undefined ? { default: opts.default } : {}), ...(opts?.validate ? { validate: opts.validate } : {}) }, context),
    },
    ...(overwrite ? { confirmOverwrite: overwrite } : {}),
  };
}
