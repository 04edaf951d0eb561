// The importable CLI: run(argv, io) parses, runs one command and returns its exit code; errors map to codes here, once.
import { Command, CommanderError } from 'commander';
import { ExitCode, JupiterError } from '../core/errors.js';
import { redactSecrets } from '../core/secrets.js';
import { safeText } from '../core/text.js';
import { faultText } from '../core/fs/faults.js';
import path from 'node:path';
import { type Cli, type CliIo, makeCli, processIo } from './io.js';

import { VERSION } from './version.js';

type Register = (program: Command, cli: Cli) => void;

/**
 * Each command's module, in help order, loaded only when needed: `jupiter summary` loads the summary, not the
 * planners, the procedure loader or the plan schema that other commands bring in.
 */
const COMMANDS: [string, () => Promise<Register>][] = [
  ['plan', async () => (await import('./commands/plan.js')).registerPlan],
  ['resume', async () => (await import('./commands/resume.js')).registerResume],
  ['sessions', async () => (await import('./commands/sessions.js')).registerSessions],
  ['summary', async () => (await import('./commands/summary.js')).registerSummary],
  ['validate', async () => (await import('./commands/validate.js')).registerValidate],
  ['export', async () => (await import('./commands/export.js')).registerExport],
  ['procedures', async () => (await import('./commands/procedures.js')).registerProcedures],
  ['init', async () => (await import('./commands/init.js')).registerInit],
  ['doctor', async () => (await import('./commands/doctor.js')).registerDoctor],
  ['unlock', async () => (await import('./commands/unlock.js')).registerUnlock],
];

/** The program with every command, or only `only` (the command being run: the others' modules stay unloaded). */
export async function buildProgram(cli: Cli, only?: string): Promise<Command> {
  const program = new Command('jupiter')
    .description('Semi-autonomous LLM planning: many iterations, a handful of human reviews.')
    .version(VERSION)
    .configureOutput({
      writeOut: (str) => void cli.io.stdout.write(str),
      writeErr: (str) => void cli.io.stderr.write(str),
      // Commander's own errors (unknown option, missing argument) follow the one-line `jupiter: ...` contract too.
      outputError: (str, write) => write(`jupiter: ${safeText(redactSecrets(str.replace(/^error: /, '').trim()), true)} (run \`jupiter --help\` for usage)\n`),
    })
    .exitOverride();
  const wanted = COMMANDS.some(([name]) => name === only) ? COMMANDS.filter(([name]) => name === only) : COMMANDS;
  for (const [, load] of wanted) (await load())(program, cli);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** The one place errors become exit codes and a `jupiter: ...` line (one line, no escapes, no secrets). */
export function exitCodeFor(err: unknown, cli: Cli): number {
  if (err instanceof CommanderError) {
    // Help and version are successes; every other commander error is bad usage (commander printed it already).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage;
  }
  if (err instanceof JupiterError) {
    if (err.message) cli.err(`jupiter: ${safeText(redactSecrets(err.message), true)}`);
    return err.exitCode;
  }
  // Ctrl-C at a question asked outside a run (which goal, a new cap, a step of a new procedure): an interruption.
  if (err instanceof Error && err.name === 'ExitPromptError') {
    cli.err('jupiter: stopped at the question (Ctrl-C); nothing was changed');
    return ExitCode.interrupted;
  }
  const message = err instanceof Error ? err.message : String(err);
  // A full disk or read-only folder met outside jupiter's own file helpers (e.g. creating the memory folder).
  const fault = faultText(err);
  const where = (err as NodeJS.ErrnoException).path;
  if (fault && where) {
    cli.err(`jupiter: cannot write in ${safeText(path.dirname(where), true)}: ${fault}`);
    return ExitCode.failure;
  }
  cli.err(`jupiter: unexpected error: ${safeText(redactSecrets(message), true)}`);
  if (cli.io.env.JUPITER_DEBUG && err instanceof Error && err.stack) cli.err(redactSecrets(err.stack));
  return ExitCode.failure;
}

/** Runs `jupiter <argv...>` (arguments only, no node or script path) and resolves with the exit code; never exits the process. */
export async function run(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli = makeCli({ ...processIo(), ...io });
  try {
    // The first argument names the command (no option comes before it); help and typos get every command.
    await (await buildProgram(cli, argv[0])).parseAsync([...argv], { from: 'user' });
    return cli.exitCode;
  } catch (err) {
    return exitCodeFor(err, cli);
  }
}
