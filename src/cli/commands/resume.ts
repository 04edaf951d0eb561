// `jupiter resume [session]`: continues the latest unfinished (or the named) session from its last completed iteration.
import type { Command } from 'commander';
import path from 'node:path';
import { PROVIDERS, resolveConfig } from '../../config.js';
import { emptyProgress } from '../../engine/reconcile.js';
import type { SessionState } from '../../engine/types.js';
import { InputError, JupiterError, UsageError } from '../../errors.js';
import { toPlan } from '../../plan-io.js';
import { FILES, Memory } from '../../memory/store.js';
import { checkSessionId, isResumable, SessionStore } from '../../memory/sessions.js';
import { loadProcedures } from '../../procedures/load.js';
import { findTarget } from '../../procedures/target.js';
import { withConfig, withJson, withMemory } from '../options.js';
import { withRunOptions } from './plan.js';

interface ResumeFlags {
  memory?: string;
  json?: boolean;
  unattended?: boolean;
  maxCost?: string;
  timeout?: string;
  config?: string;
}

/** What a resume relies on beyond SessionStore.load's checks; a fault names the file and nothing is written. */
export function checkResumable(state: SessionState, id: string | undefined, file: string): void {
  const bad = (what: string) => new InputError(`not a usable session file: ${what}; it was not changed`, { file });
  if (id !== undefined && state.id !== id) throw bad(`it holds session "${String(state.id)}", not "${id}"`);
  const count = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  const amount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const progress = state.progress as unknown as Record<string, unknown>;
  for (const k of Object.keys(emptyProgress())) if (!count(progress[k])) throw bad(`"progress.${k}" must be a whole number`);
  const usage = state.usage as unknown;
  if (typeof usage !== 'object' || usage === null) throw bad('"usage" is missing');
  for (const k of ['promptTokens', 'completionTokens', 'cachedTokens', 'costUsd']) if (!amount((usage as Record<string, unknown>)[k])) throw bad(`"usage.${k}" must be a number`);
  if (!state.pendingFeedback.every((f) => typeof f === 'string')) throw bad('"pendingFeedback" must be a list of text');
  if (state.currentPlan !== null && state.currentPlan !== undefined && typeof toPlan(state.currentPlan) === 'string') throw bad(`"currentPlan" is not a plan (${toPlan(state.currentPlan) as string})`);
  const s = state.settings as unknown as Record<string, unknown>;
  if (typeof s.unattended !== 'boolean') throw bad('"settings.unattended" must be true or false');
  if ((s.checkpoint as number) > (s.iterations as number)) throw bad('"settings.checkpoint" is larger than "settings.iterations"');
  if (!Object.hasOwn(PROVIDERS, s.provider as string)) throw bad(`"settings.provider" is not a known provider`);
  if (!Number.isInteger(s.contextBudget) || (s.contextBudget as number) < 100) throw bad('"settings.contextBudget" must be a whole number of at least 100');
  if (s.maxCost !== undefined && !(amount(s.maxCost) && (s.maxCost as number) > 0)) throw bad('"settings.maxCost" must be a positive number');
  for (const k of ['model', 'baseUrl']) if (s[k] !== undefined && (typeof s[k] !== 'string' || s[k] === '')) throw bad(`"settings.${k}" must be text`);
  if (typeof s.baseUrl === 'string' && !URL.canParse(s.baseUrl)) throw bad('"settings.baseUrl" is not a URL');
}

/** SessionStore.load, with a YAML failure it does not catch (e.g. an alias bomb) reported against the file, exit 2. */
async function loadNamed(store: SessionStore, id: string): Promise<SessionState> {
  try {
    return await store.load(id);
  } catch (err) {
    if (err instanceof JupiterError) throw err;
    throw new InputError(`not a usable session file: ${(err as Error).message}; it was not changed`, { file: store.file(id) });
  }
}

export function registerResume(program: Command): void {
  const cmd = program.command('resume').description('resume the latest (or the named) unfinished session').argument('[session]', 'session id (see `jupiter sessions`)');
  withJson(withConfig(withMemory(withRunOptions(cmd)))).action(async (id: string | undefined, opts: ResumeFlags) => {
    // Only the memory folder is wanted here: a session runs with its own saved settings, so the config file's
    // iterations and checkpoint must not be judged (or refused) against each other now.
    const base = resolveConfig({ flags: { ...(opts.memory ? { memory: opts.memory } : {}), ...(opts.config ? { config: opts.config } : {}), iterations: '1', checkpoint: '0' } });
    if (id) checkSessionId(id);
    const store = new SessionStore(path.join(base.memoryDir, FILES.sessions));
    const state = id ? await loadNamed(store, id) : await store.latestResumable();
    if (!state) throw new UsageError(`no unfinished session in ${base.memoryDir}: start one with \`jupiter plan\``);
    checkResumable(state, id, id ? store.file(id) : store.file(state.id));
    if (!isResumable(state)) throw new UsageError(`session ${state.id} is already ${state.status} (${state.progress.completed}/${state.settings.iterations} iterations)`);
    // Say at once what is being resumed: loading procedures, memory and the planner takes a moment on big folders.
    if (!opts.json) process.stdout.write(`Resuming session ${state.id} (${state.status} after ${state.progress.completed} of ${state.settings.iterations} iterations)…\n`);
    const s = state.settings;
    if (opts.unattended) s.unattended = true;
    const config = resolveConfig({
      flags: {
        provider: s.provider,
        iterations: String(s.iterations),
        checkpoint: String(s.checkpoint),
        contextBudget: String(s.contextBudget),
        procedures: s.proceduresDir,
        ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
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
    const { requireTerminalOrUnattended, runFromCli } = await import('../run-session.js');
    requireTerminalOrUnattended(s.unattended);
    const library = loadProcedures(s.proceduresDir);
    let target;
    try {
      target = findTarget(library, `${state.procedure}/${state.goalId}`);
    } catch (err) {
      // The procedure and goal come from the session file, not from a flag: say so.
      if (!(err instanceof UsageError)) throw err;
      throw new InputError(`session ${state.id} plans against ${state.procedure}/${state.goalId}, which ${s.proceduresDir} does not define (${err.message.replace(/^--procedure: /, '')}); it was not changed`, { file: store.file(state.id) });
    }
    const memory = await Memory.open(config.memoryDir);
    await runFromCli({ config, state, target, memory });
  });
}
