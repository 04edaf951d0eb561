// `jupiter resume [session]`: continues the latest unfinished (or the named) session from its last completed iteration,
// or (`--from N --fork`) branches a new session from the named one's state after iteration N.
import type { Command } from 'commander';
import path from 'node:path';
import { type FlagValues, readLayers } from '../../config/layers.js';
import { memoryDirOf, type ResolvedConfig, resolveLayers, sessionSettings } from '../../config/resolve.js';
import { InputError, UsageError } from '../../core/errors.js';
import { safeText } from '../../core/text.js';
import { FILES, Memory, RUN_FLUSH_EVERY } from '../../memory/store.js';
import { isResumable, SessionStore } from '../../engine/sessions.js';
import { type CachedLibrary, loadProceduresCached } from '../../procedures/load-cached.js';
import { findTarget } from '../../procedures/target.js';
import type { PlanTarget } from '../../procedures/types.js';
import type { SessionSettings, SessionState } from '../../state/session.js';
import { forkBase, forksAbove } from '../../engine/fork.js';
import type { ForkBase } from '../../state/lineage.js';
import { forkLines, inheritedSettings, makeFork, wantsFork } from '../fork.js';
import type { Cli } from '../io.js';
import { RESUME_FLAGS, withSettings } from '../options.js';
import { lockWaitNotice } from '../lock-notice.js';

export function registerResume(program: Command, cli: Cli): void {
  const cmd = program
    .command('resume')
    .description('resume the latest (or the named) unfinished session, or branch any session after an iteration (--from N --fork)')
    .argument('[session]', 'session id (see `jupiter sessions`)');
  withSettings(cmd, RESUME_FLAGS, { saved: true }).action(
    cli.action(async (id: string | undefined, opts: FlagValues) => {
      const layers = readLayers({ flags: opts, env: cli.io.env, cwd: cli.io.cwd });
      const memoryDir = memoryDirOf(layers);
      const fork = wantsFork(opts, id);
      const store = new SessionStore(path.join(memoryDir, FILES.sessions));
      const found = id ? await store.load(await store.expandId(id)) : await store.latestResumable();
      if (!found) throw new UsageError(`no unfinished session in ${memoryDir}: start one with \`jupiter plan\``);
      // A fork may branch any session, finished or not: the original is only read.
      if (!fork && !isResumable(found))
        throw new UsageError(`session ${found.id} is already ${found.status} (${found.progress.completed}/${found.settings.iterations} iterations)`);
      // The session runs with its saved settings; the flags resume takes replace the ones it may change (a fork's
      // iterations are its own: it inherits as many as its parent ran of its own).
      const saved = fork ? inheritedSettings(found, opts) : found.settings;
      const config = resolveLayers({ ...layers, saved: saved as unknown as Record<string, unknown> });
      const settings = { ...saved, ...sessionSettings(config) };
      // A new fork has spent nothing of its own: its cap (on its own spend) cannot be reached yet.
      const cap = fork ? { settled: true } : await capSettled(cli, opts, store, Object.assign(found, { settings }));
      if (!cap.settled) return;
      const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
      requireTerminalOrUnattended(cli, settings.unattended);
      const { target, remember } = await targetOf(config, found, store);
      // Flags and the procedure are fine: only now is "nothing left to run" the thing to say.
      if (!fork) refuseExhausted(found);
      const state = fork ? await forkOf(store, config, target, found, settings) : found;
      // Nobody is there to read a failure per iteration: a fork whose endpoint is not there is not made at all.
      if (fork && settings.unattended) await (await import('../endpoint-check.js')).requireReachable(config, state.progress.completed + 1);
      // Flags and the procedure are checked (nothing touched yet); now hold the session before saying anything, so a
      // session another process is running is refused before "Resuming…" is printed. The lock is ours to release
      // until the run takes it over.
      const lock = await store.lock(state.id);
      let handed = false;
      try {
        if (fork) {
          await store.save(state);
          if (!opts.json) for (const line of forkLines(state, found, target)) cli.out(line);
        } else if (!opts.json)
          // Say at once what is being resumed: opening memory and the planner takes a moment on big folders.
          cli.out(`Resuming session ${state.id} (${resumedText(state)})…`);
        const memory = await Memory.open(config.memoryDir, { flushEvery: RUN_FLUSH_EVERY, onLockWait: lockWaitNotice(cli) });
        handed = true;
        await remember();
        cli.io.boundHeapForRun?.();
        return await runFromCli(cli, { config, state, target, memory, lock, reached: fork, forkBase: cap.forkBase });
      } finally {
        if (!handed) await lock.release();
      }
    }),
  );
}

/**
 * A session paused after its last iteration with no question pending (an unattended run that ended with no valid
 * plan) has nothing left to run: resuming it would only halt again at once. Say so, and how to go on.
 */
function refuseExhausted(state: SessionState): void {
  const { completed } = state.progress;
  if (state.status !== 'paused' || state.pendingDecision || completed < state.settings.iterations) return;
  const why = state.haltReason ? ` (${safeText(state.haltReason, true)})` : '';
  throw new UsageError(
    `session ${state.id} ran all its ${completed} iterations${why}: nothing is left to resume; to go on, fork it with more: \`jupiter resume ${state.id} --from ${completed} --fork -n <more>\``,
  );
}

/**
 * Whether the session may run under its cost cap: a cap the next iteration would pass is raised at a terminal, or the
 * run refused (see cost-cap.ts). A fork's cap is on its own spend: what its line had spent by its fork point is read
 * (and handed to the run, which counts from it too).
 */
async function capSettled(
  cli: Cli,
  opts: FlagValues,
  store: SessionStore,
  state: SessionState,
): Promise<{ settled: boolean; forkBase?: ForkBase | undefined }> {
  if (state.settings.maxCost === undefined) return { settled: true };
  const { settleCostCap } = await import('../cost-cap.js');
  const canAsk = Boolean(cli.io.stdin.isTTY) && !opts.unattended && !opts.json;
  let fork: ForkBase | undefined;
  if (state.parent !== undefined) {
    const memory = await Memory.open(path.dirname(store.dir), { create: false });
    fork = await forkBase(state, memory, await forksAbove(state, (id) => store.load(id)));
  }
  if (await settleCostCap(cli, state, { given: opts.maxCost !== undefined, canAsk, fork })) return { settled: true, forkBase: fork };
  cli.out(`The cost cap stays at $${state.settings.maxCost}; nothing was run. Resume with a higher --max-cost to go on.`);
  return { settled: false };
}

/** `paused after 3 of 20 iterations`; a fork's own are counted from its fork point, as its run counts them. Said before catch-up. */
function resumedText(state: SessionState): string {
  // Still `running` in its file, with its lock ours now: the process that ran it died (kill -9, a crash). Its file
  // lags behind the log (saved every few iterations): the header says where the log has it.
  if (state.status === 'running') return 'interrupted: the process running it ended without saving; it goes on from what the log committed';
  const { completed } = state.progress;
  const { iterations } = state.settings;
  if (state.parent === undefined || state.forkPoint === undefined) return `${state.status} after ${completed} of ${iterations} iterations`;
  const at = state.forkPoint;
  return `${state.status} after ${completed - at} of its own ${iterations - at} iterations; a fork of ${state.parent} after iteration ${at}`;
}

/** The fork of `parent` after iteration --from, made from memory read as it is (nothing written until it is saved). */
async function forkOf(store: SessionStore, config: ResolvedConfig, target: PlanTarget, parent: SessionState, settings: SessionSettings): Promise<SessionState> {
  // Read-only, as `summary` reads it: the run opens memory for writing once the fork is saved and locked.
  const memory = await Memory.open(config.memoryDir, { create: false });
  return makeFork({ store, memory, target }, parent, config.from ?? 0, settings);
}

/** The procedure goal the session plans against, after the procedures and human_rules.md are checked. */
async function targetOf(
  config: ResolvedConfig,
  state: SessionState,
  store: SessionStore,
): Promise<{ target: PlanTarget; remember: CachedLibrary['remember'] }> {
  const proceduresDir = state.settings.proceduresDir;
  const { library, remember } = await loadProceduresCached(proceduresDir, path.join(config.memoryDir, FILES.internal, 'procedures.json'));
  const { checkHumanRulesFile } = await import('../../memory/human-rules-check.js');
  checkHumanRulesFile(config.memoryDir, library);
  try {
    return { target: findTarget(library, `${state.procedure}/${state.goalId}`), remember };
  } catch (err) {
    // The procedure and goal come from the session file, not from a flag: say so.
    if (!(err instanceof UsageError)) throw err;
    throw new InputError(
      `session ${state.id} plans against ${state.procedure}/${state.goalId}, which ${proceduresDir} does not define (${err.message.replace(/^--procedure: /, '')}); it was not changed`,
      { file: store.readableFile(state.id) },
    );
  }
}
