// The jupiter command-line program: wires commands and maps errors to exit codes once, here.
import { Command, CommanderError } from 'commander';
import { JupiterError, ExitCode } from '../core/errors.js';
import { registerPlan } from './commands/plan.js';
import { registerResume } from './commands/resume.js';
import { registerSessions } from './commands/sessions.js';
import { registerSummary } from './commands/summary.js';
import { registerValidate } from './commands/validate.js';
import { registerProcedures } from './commands/procedures.js';
import { registerInit } from './commands/init.js';
import { registerDoctor } from './commands/doctor.js';
import { registerUnlock } from './commands/unlock.js';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';

export function buildProgram(): Command {
  const program = new Command('jupiter')
    .description('Semi-autonomous LLM planning: many iterations, a handful of human reviews.')
    .version('0.1.0')
    // Commander's own errors (unknown option, missing argument) follow the one-line `jupiter: ...` contract too.
    .configureOutput({ outputError: (str, write) => write(`jupiter: ${safeText(redactSecrets(str.replace(/^error: /, '').trim()), true)} (run \`jupiter --help\` for usage)\n`) })
    .exitOverride();
  for (const register of [registerPlan, registerResume, registerSessions, registerSummary, registerValidate, registerProcedures, registerInit, registerDoctor, registerUnlock]) {
    register(program);
  }
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; every other commander error is bad usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (err instanceof JupiterError) {
      // Messages quote user input and file contents: one line, no terminal escapes, no secrets.
      process.stderr.write(`jupiter: ${safeText(redactSecrets(err.message), true)}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`jupiter: unexpected error: ${safeText(redactSecrets(message), true)}\n`);
    if (process.env.JUPITER_DEBUG && err instanceof Error && err.stack) process.stderr.write(redactSecrets(err.stack) + '\n');
    return ExitCode.failure;
  }
}

// `jupiter summary | head` closes the pipe early: drop the rest of the output, never crash (a run goes on saving).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'EIO') throw err;
  });
}

const code = await main(process.argv);
process.exitCode = code;
