// `jupiter resume [session]`: continues the latest unfinished (or the named) session from its last completed iteration.
import type { Command } from 'commander';
import path from 'node:path';
import { type FlagValues, readLayers } from '../../config/layers.js';
import { memoryDirOf, resolveLayers, sessionSettings } from '../../config/resolve.js';
import { InputError, UsageError } from '../../core/errors.js';
import { FILES, Memory, RUN_FLUSH_EVERY } from '../../memory/store.js';
import { checkSessionId, isResumable, SessionStore } from '../../engine/sessions.js';
import { loadProceduresCached } from '../../procedures/load-cached.js';
import { findTarget } from '../../procedures/target.js';
import type { PlanTarget } from '../../procedures/types.js';
import type { Cli } from '../io.js';
import { RESUME_FLAGS, withSettings } from '../options.js';
import { lockWaitNotice } from '../lock-notice.js';

export function registerResume(program: Command, cli: Cli): void {
  const cmd = program
    .command('resume')
    .description('resume the latest (or the named) unfinished session')
    .argument('[session]', 'session id (see `jupiter sessions`)');
  withSettings(cmd, RESUME_FLAGS, { saved: true }).action(
    cli.action(async (id: string | undefined, opts: FlagValues) => {
      const layers = readLayers({ flags: opts, env: cli.io.env, cwd: cli.io.cwd });
      const memoryDir = memoryDirOf(layers);
      if (id) checkSessionId(id);
      const store = new SessionStore(path.join(memoryDir, FILES.sessions));
      const state = id ? await store.load(id) : await store.latestResumable();
      if (!state) throw new UsageError(`no unfinished session in ${memoryDir}: start one with \`jupiter plan\``);
      if (!isResumable(state))
        throw new UsageError(`session ${state.id} is already ${state.status} (${state.progress.completed}/${state.settings.iterations} iterations)`);
      // The session runs with its saved settings; the flags resume takes replace the ones it may change.
      const config = resolveLayers({ ...layers, saved: state.settings as unknown as Record<string, unknown> });
      const s = Object.assign(state.settings, sessionSettings(config));
      const { settleCostCap } = await import('../cost-cap.js');
      const canAsk = Boolean(cli.io.stdin.isTTY) && !opts.unattended && !opts.json;
      if (!(await settleCostCap(cli, state, { given: opts.maxCost !== undefined, canAsk }))) {
        cli.out(`The cost cap stays at $${s.maxCost}; nothing was run. Resume with a higher --max-cost to go on.`);
        return;
      }
      const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
      requireTerminalOrUnattended(cli, s.unattended);
      const procedures = await loadProceduresCached(s.proceduresDir, path.join(config.memoryDir, FILES.internal, 'procedures.json'));
      const library = procedures.library;
      const { checkHumanRulesFile } = await import('../../memory/human-rules-check.js');
      checkHumanRulesFile(config.memoryDir, library);
      let target: PlanTarget;
      try {
        target = findTarget(library, `${state.procedure}/${state.goalId}`);
      } catch (err) {
        // The procedure and goal come from the session file, not from a flag: say so.
        if (!(err instanceof UsageError)) throw err;
        throw new InputError(
          `session ${state.id} plans against ${state.procedure}/${state.goalId}, which ${s.proceduresDir} does not define (${err.message.replace(/^--procedure: /, '')}); it was not changed`,
          { file: store.readableFile(state.id) },
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
        await procedures.remember();
        cli.io.boundHeapForRun?.();
        return await runFromCli(cli, { config, state, target, memory, lock });
      } finally {
        if (!handed) await lock.release();
      }
    }),
  );
}
