// `jupiter resume [session]`: continues the latest unfinished (or the named) session from its last completed iteration.
import type { Command } from 'commander';
import path from 'node:path';
import { resolveConfig } from '../../config.js';
import { InputError, UsageError } from '../../core/errors.js';
import { FILES, Memory, RUN_FLUSH_EVERY } from '../../memory/store.js';
import { checkSessionId, isResumable, SessionStore } from '../../engine/sessions.js';
import { findTarget } from '../../procedures/target.js';
import type { PlanTarget } from '../../procedures/types.js';
import type { Cli } from '../io.js';
import { withConfig, withJson, withMemory } from '../options.js';
import { withRunOptions } from './plan.js';
import { lockWaitNotice } from '../lock-notice.js';

interface ResumeFlags {
  memory?: string;
  json?: boolean;
  unattended?: boolean;
  maxCost?: string;
  timeout?: string;
  config?: string;
  patience?: string;
  repairs?: string;
  maxFailures?: string;
  candidates?: string;
  objectives?: string;
}

export function registerResume(program: Command, cli: Cli): void {
  const cmd = program
    .command('resume')
    .description('resume the latest (or the named) unfinished session')
    .argument('[session]', 'session id (see `jupiter sessions`)');
  withJson(withConfig(withMemory(withRunOptions(cmd)))).action(
    cli.action(async (id: string | undefined, opts: ResumeFlags) => {
      // Only the memory folder is wanted here: a session runs with its own saved settings, so the config file's
      // iterations and checkpoint must not be judged (or refused) against each other now.
      const base = resolveConfig({
        env: cli.io.env,
        cwd: cli.io.cwd,
        flags: { ...(opts.memory ? { memory: opts.memory } : {}), ...(opts.config ? { config: opts.config } : {}), iterations: '1', checkpoint: '0' },
      });
      if (id) checkSessionId(id);
      const store = new SessionStore(path.join(base.memoryDir, FILES.sessions));
      const state = id ? await store.load(id) : await store.latestResumable();
      if (!state) throw new UsageError(`no unfinished session in ${base.memoryDir}: start one with \`jupiter plan\``);
      if (!isResumable(state))
        throw new UsageError(`session ${state.id} is already ${state.status} (${state.progress.completed}/${state.settings.iterations} iterations)`);
      const s = state.settings;
      if (opts.unattended) s.unattended = true;
      const config = resolveConfig({
        env: cli.io.env,
        cwd: cli.io.cwd,
        flags: {
          provider: s.provider,
          iterations: String(s.iterations),
          checkpoint: String(s.checkpoint),
          contextBudget: String(s.contextBudget),
          procedures: s.proceduresDir,
          // Every replica the session was started with, not only the first.
          ...(s.baseUrls?.length ? { baseUrl: s.baseUrls } : s.baseUrl ? { baseUrl: s.baseUrl } : {}),
          ...(s.model ? { model: s.model } : {}),
          ...(opts.maxCost ? { maxCost: opts.maxCost } : s.maxCost !== undefined ? { maxCost: String(s.maxCost) } : {}),
          ...(opts.timeout ? { timeout: opts.timeout } : {}),
          ...(opts.memory ? { memory: opts.memory } : {}),
          ...(opts.config ? { config: opts.config } : {}),
          unattended: s.unattended,
          json: Boolean(opts.json),
        },
      });
      if (config.maxCost !== undefined) s.maxCost = config.maxCost;
      // The improvement loop's settings may be changed on resume; what is not given stays as the session saved it.
      const loop = resolveConfig({
        flags: {
          iterations: '1',
          checkpoint: '0',
          ...(opts.patience ? { patience: opts.patience } : {}),
          ...(opts.repairs ? { repairs: opts.repairs } : {}),
          ...(opts.maxFailures ? { maxFailures: opts.maxFailures } : {}),
          ...(opts.candidates ? { candidates: opts.candidates } : {}),
          ...(opts.objectives ? { objectives: opts.objectives } : {}),
        },
      });
      if (opts.patience) s.patience = loop.patience;
      if (opts.repairs) s.repairs = loop.repairs;
      if (opts.maxFailures) s.maxFailures = loop.maxFailures;
      if (opts.candidates) s.candidates = loop.candidates;
      if (loop.objectives && opts.objectives) s.objectives = loop.objectives;
      const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
      requireTerminalOrUnattended(cli, s.unattended);
      const { loadProcedures } = await import('../../procedures/load.js');
      const library = loadProcedures(s.proceduresDir);
      let target: PlanTarget;
      try {
        target = findTarget(library, `${state.procedure}/${state.goalId}`);
      } catch (err) {
        // The procedure and goal come from the session file, not from a flag: say so.
        if (!(err instanceof UsageError)) throw err;
        throw new InputError(
          `session ${state.id} plans against ${state.procedure}/${state.goalId}, which ${s.proceduresDir} does not define (${err.message.replace(/^--procedure: /, '')}); it was not changed`,
          { file: store.file(state.id) },
        );
      }
      // Flags and the procedure are checked (nothing touched yet); now hold the session before saying anything, so a
      // session another process is running is refused before "Resuming…" is printed. The lock is ours to release
      // until the run takes it over.
      const lock = await store.lock(state.id);
      let handed = false;
      try {
        // Say at once what is being resumed: opening memory and the planner takes a moment on big folders.
        if (!opts.json) cli.out(`Resuming session ${state.id} (${state.status} after ${state.progress.completed} of ${state.settings.iterations} iterations)…`);
        const memory = await Memory.open(config.memoryDir, { flushEvery: RUN_FLUSH_EVERY, onLockWait: lockWaitNotice(cli) });
        handed = true;
        cli.io.boundHeapForRun?.();
        return await runFromCli(cli, { config, state, target, memory, lock });
      } finally {
        if (!handed) await lock.release();
      }
    }),
  );
}
