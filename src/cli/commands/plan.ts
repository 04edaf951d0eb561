// `jupiter plan [goal]`: starts a session of many planning iterations with a handful of human reviews.
import type { Command } from 'commander';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { redactGoal } from '../../core/secrets.js';
import { safeText } from '../../core/text.js';
import { newSession } from '../../engine/session.js';
import { FILES, Memory, RUN_FLUSH_EVERY } from '../../memory/store.js';
import { newSessionId } from '../../engine/sessions.js';
import { loadProceduresCached } from '../../procedures/load-cached.js';
import { findTarget, resolveTarget, targetName } from '../../procedures/target.js';
import type { FlagValues } from '../../config/layers.js';
import { type ResolvedConfig, sessionSettings } from '../../config/resolve.js';
import type { Cli } from '../io.js';
import { configFrom, RUN_FLAGS, withSettings } from '../options.js';
import { lockWaitNotice } from '../lock-notice.js';

type PlanFlags = FlagValues & { procedure?: string };

/** The goal to plan: given, else asked for at a terminal; refused when absent or too long, a key in it redacted. */
async function goalOf(cli: Cli, config: ResolvedConfig): Promise<string> {
  let goal = config.goal?.trim();
  if (!goal && cli.io.stdin.isTTY && !config.unattended) {
    const { input } = await import('@inquirer/prompts');
    goal = (await input({ message: 'What should jupiter plan?' }, { input: cli.io.stdin, output: cli.promptOutput })).trim();
  }
  if (!goal) throw new UsageError('no goal: pass it as an argument (jupiter plan "Deploy the orchestrator"), with --goal, or as goal: in jupiter.config.yaml');
  if (goal.length > 2000) throw new UsageError('the goal is longer than 2000 characters: state it in a sentence');
  const kept = redactGoal(goal);
  if (kept.redacted) cli.err('jupiter: the goal held text shaped like a key; it is kept as [redacted] (keys belong in the environment)');
  return kept.goal;
}

export function registerPlan(program: Command, cli: Cli): void {
  const cmd = program
    .command('plan')
    .description('start a session: many planning iterations, halting for a person at checkpoints and failures')
    .argument('[goal]', 'what to plan, e.g. "Deploy the orchestrator"')
    .option('--procedure <set[/goal]>', 'procedure set (and goal) to plan against, instead of matching the goal text');
  withSettings(cmd, RUN_FLAGS).action(
    cli.action(async (goalArg: string | undefined, opts: PlanFlags) => {
      const config = configFrom(cli, { ...opts, ...(goalArg ? { goal: goalArg } : {}) });
      // Loaded here, not at startup: `jupiter --help`, `summary` and friends stay fast.
      const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
      requireTerminalOrUnattended(cli, config.unattended);
      // From the files people wrote: a parse kept in the memory folder is used only while it is bound to their bytes.
      const procedures = await loadProceduresCached(config.proceduresDir, path.join(config.memoryDir, FILES.internal, 'procedures.json'));
      const library = procedures.library;
      // People's rules are checked like the procedures: a typo or a contradiction stops the run before it starts.
      const { checkHumanRulesFile } = await import('../../memory/human-rules-check.js');
      checkHumanRulesFile(config.memoryDir, library);
      const goal = await goalOf(cli, config);
      // A weak, close or absent match is never taken silently: a person confirms it, an unattended run refuses (exit 2).
      const ask = config.unattended
        ? undefined
        : (await import('../ask-target.js')).terminalAskTarget({ input: cli.io.stdin, output: config.json ? cli.io.stderr : cli.promptOutput });
      let resolved = opts.procedure
        ? { kind: 'target' as const, target: findTarget(library, opts.procedure), reason: 'named with --procedure' }
        : await resolveTarget(library, goal, ask);
      let proceduresDir = path.resolve(config.proceduresDir);
      if (resolved.kind === 'new') {
        // The person chose to draft procedures for this goal: the same flow as `jupiter procedures new`, then plan with them.
        const { runNewProcedures } = await import('../new-procedures.js');
        const { terminalIO } = await import('../new-procedures-io.js');
        const io = await terminalIO(
          cli,
          (line) => void (config.json ? cli.io.stderr : cli.io.stdout).write(`${line}\n`),
          config.json ? cli.io.stderr : undefined,
        );
        const made = await runNewProcedures({ goal, from: [], config }, io);
        if (!made) return;
        resolved = { kind: 'target', target: { set: made.set, goal: made.set.goals[0]! }, reason: `drafted now, ${path.basename(made.file)}` };
        proceduresDir = path.resolve(path.dirname(made.file));
      }
      const target = resolved.target;
      const chosen = `procedure goal: ${targetName(target)} — ${safeText(target.goal.description, true)} (${resolved.reason})\n`;
      (config.json ? cli.io.stderr : cli.io.stdout).write(chosen);
      const memory = await Memory.open(config.memoryDir, { flushEvery: RUN_FLUSH_EVERY, onLockWait: lockWaitNotice(cli) });
      if (proceduresDir === path.resolve(config.proceduresDir)) await procedures.remember();
      const now = new Date();
      const settings = { ...sessionSettings(config), proceduresDir };
      const state = newSession(newSessionId(goal, now), goal, target, settings, now);
      cli.io.boundHeapForRun?.();
      return runFromCli(cli, { config, state, target, memory });
    }),
  );
}
