// `jupiter plan [goal]`: starts a session of many planning iterations with a handful of human reviews.
import type { Command } from 'commander';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { safeText } from '../../core/text.js';
import { newSession } from '../../engine/session.js';
import { Memory, RUN_FLUSH_EVERY } from '../../memory/store.js';
import { newSessionId } from '../../engine/sessions.js';
import { findTarget, resolveTarget, targetName } from '../../procedures/target.js';
import type { FlagValues } from '../../config.js';
import type { Cli } from '../io.js';
import { collectUrls, configFrom, withConfig, withJson, withMemory, withProcedures } from '../options.js';
import { lockWaitNotice } from '../lock-notice.js';

type PlanFlags = FlagValues & { procedure?: string };

export function withRunOptions(cmd: Command): Command {
  return cmd
    .option(
      '--unattended',
      'never prompt: checkpoints are recorded; failed iterations are recorded and the run goes on from the champion until --max-failures in a row (exit 3)',
    )
    .option('--max-cost <usd>', 'stop before the run would spend more than this (USD)')
    .option('--timeout <ms>', 'per-request timeout for the model endpoint')
    .option('--patience <n>', 'iterations without improvement before the run asks (unattended: ends, exit 0); 0 = off (default 10)')
    .option('--repairs <k>', 'rounds a model gets to fix its own invalid plan inside one iteration (default 2)')
    .option('--max-failures <n>', 'failed iterations in a row that end an unattended run (exit 3; default 5)')
    .option('--candidates <k>', 'proposals asked for at once per iteration; the best valid one is kept (default 1)')
    .option('--objectives <list>', 'what "better" means, most important first: makespan,cost,risk,steps');
}

export function registerPlan(program: Command, cli: Cli): void {
  const cmd = program
    .command('plan')
    .description('start a session: many planning iterations, halting for a person at checkpoints and failures')
    .argument('[goal]', 'what to plan, e.g. "Deploy the orchestrator"')
    .option('--goal <text>', 'the goal (instead of the argument)')
    .option('-n, --iterations <n>', 'iterations to run (default 20)')
    .option('-c, --checkpoint <k>', 'halt for review every k iterations (default 10; 0 = never)')
    .option('--provider <name>', 'builtin | openai | fireworks | vllm | ollama | lmstudio | llamacpp | custom')
    .option('--base-url <url>', 'OpenAI-compatible endpoint (repeat for replicas of one model: candidates spread across them)', collectUrls)
    .option('--model <id>', 'model id')
    .option('--context-budget <tokens>', 'most tokens of memory put into one prompt (default 4000)')
    .option('--procedure <set[/goal]>', 'procedure set (and goal) to plan against, instead of matching the goal text');
  withJson(withConfig(withProcedures(withMemory(withRunOptions(cmd))))).action(
    cli.action(async (goalArg: string | undefined, opts: PlanFlags) => {
      const config = configFrom(cli, { ...opts, ...(goalArg ? { goal: goalArg } : {}) });
      // Loaded here, not at startup: `jupiter --help`, `summary` and friends stay fast.
      const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
      requireTerminalOrUnattended(cli, config.unattended);
      // Parsed from the files people wrote, every run: nothing kept elsewhere stands in for their rules.
      const { loadProcedures } = await import('../../procedures/load.js');
      const library = loadProcedures(config.proceduresDir);
      let goal = config.goal?.trim();
      if (!goal && cli.io.stdin.isTTY && !config.unattended) {
        const { input } = await import('@inquirer/prompts');
        goal = (await input({ message: 'What should jupiter plan?' }, { input: cli.io.stdin, output: cli.promptOutput })).trim();
      }
      if (!goal)
        throw new UsageError('no goal: pass it as an argument (jupiter plan "Deploy the orchestrator"), with --goal, or as goal: in jupiter.config.yaml');
      if (goal.length > 2000) throw new UsageError('the goal is longer than 2000 characters: state it in a sentence');
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
      const now = new Date();
      const settings = {
        iterations: config.iterations,
        checkpoint: config.checkpoint,
        unattended: config.unattended,
        provider: config.provider,
        contextBudget: config.contextBudget,
        proceduresDir,
        patience: config.patience,
        repairs: config.repairs,
        maxFailures: config.maxFailures,
        candidates: config.candidates,
        ...(config.objectives ? { objectives: config.objectives } : {}),
        ...(config.model ? { model: config.model } : {}),
        ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
        ...(config.baseUrls.length > 1 ? { baseUrls: config.baseUrls } : {}),
        ...(config.maxCost !== undefined ? { maxCost: config.maxCost } : {}),
      };
      const state = newSession(newSessionId(goal, now), goal, target, settings, now);
      cli.io.boundHeapForRun?.();
      return runFromCli(cli, { config, state, target, memory });
    }),
  );
}
