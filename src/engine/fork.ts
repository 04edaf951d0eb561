// Branching a session (`resume <session> --from N --fork`, after LangGraph's time travel): a new session whose state
// is the original's after iteration N, made by folding the original's records 1..N through the one reducer. The
// original is only read: its session file and records stay as they are.
import { UsageError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import type { LogRecord } from '../memory/record.js';
import type { Memory } from '../memory/store.js';
import { humanRuleId } from '../feedback/rule-text.js';
import type { PlanTarget, Rule, RuleBody } from '../procedures/types.js';
import { validatePlan } from '../procedures/validate.js';
import { type ForkBase, type ForkPoint, lineageOf, lineageRecords, ownCounts } from '../state/lineage.js';
import { foldRecords } from '../state/reducer.js';
import type { SessionSettings, SessionState } from '../state/session.js';
import { blankSession } from './session.js';

type LoadSession = (id: string) => Promise<SessionState>;

/**
 * The fork points of `state` and of its ancestors, read from their session files. A parent whose file is gone ends
 * the walk there (its records in the log still count); a damaged one is an error naming it.
 */
export async function forksAbove(state: SessionState, load: LoadSession): Promise<Map<string, ForkPoint>> {
  const forks = new Map<string, ForkPoint>();
  for (let s: SessionState | undefined = state; s?.parent !== undefined && s.forkPoint !== undefined && !forks.has(s.id); ) {
    forks.set(s.id, { parent: s.parent, forkPoint: s.forkPoint });
    s = await load(s.parent).catch((err: unknown) => {
      if (err instanceof UsageError) return undefined;
      throw err;
    });
  }
  return forks;
}

/** A session's records with its ancestors' before them, as its state is folded (see state/lineage.ts). */
export async function recordsOfLine(state: SessionState, memory: Pick<Memory, 'records'>, forks: ReadonlyMap<string, ForkPoint>): Promise<LogRecord[]> {
  const line = lineageOf(state.id, forks);
  const bySession = new Map<string, LogRecord[]>();
  for (const link of line) bySession.set(link.session, await memory.records({ session: link.session }));
  return lineageRecords(line, (id) => bySession.get(id) ?? [], state.parent !== undefined ? state.settings.objectives : undefined);
}

/** Where a fork's own counts start (see state/lineage.ts ownCounts), from its line's records; undefined for a non-fork. */
function baseOf(state: SessionState, line: LogRecord[]): ForkBase | undefined {
  if (state.parent === undefined || state.forkPoint === undefined) return undefined;
  const { progress, usage } = foldRecords(line.filter((r) => r.session !== state.id));
  return { parent: state.parent, forkPoint: state.forkPoint, progress, usage };
}

/** Where a fork's own counts start (see state/lineage.ts ownCounts); undefined for a session that is not a fork. */
export async function forkBase(state: SessionState, memory: Pick<Memory, 'records'>, forks: ReadonlyMap<string, ForkPoint>): Promise<ForkBase | undefined> {
  if (state.parent === undefined || state.forkPoint === undefined) return undefined;
  return baseOf(state, await recordsOfLine(state, memory, forks));
}

/** A fork's own counts as its run shows them: its line folded by the one reducer, less the line at its fork point. */
export async function forkOwnCounts(state: SessionState, memory: Pick<Memory, 'records'>, forks: ReadonlyMap<string, ForkPoint>) {
  if (state.parent === undefined || state.forkPoint === undefined) return undefined;
  // The line's records read once: the fork point's counts and the whole line's come from the same list.
  const line = await recordsOfLine(state, memory, forks);
  return ownCounts(foldRecords(line), baseOf(state, line));
}

export interface ForkRequest {
  parent: SessionState;
  /** The last of the parent's iterations the fork takes (0: none, a fresh start with the same settings). */
  at: number;
  id: string;
  now: Date;
  /** The fork's settings: the parent's, with what resume's flags change (new --objectives re-judge the line's plans). */
  settings: SessionSettings;
}

/** The last iteration `parent` ran, as its records (the truth) or its file say. */
function lastIteration(parent: SessionState, records: LogRecord[]): number {
  const own = records.filter((r) => r.session === parent.id && r.type === 'iteration').map((r) => r.iteration);
  return Math.max(parent.progress.completed, parent.forkPoint ?? 0, ...own);
}

/** The new session (not saved): the parent's goal and settings, and its state after iteration `at`. */
export async function forkSession(memory: Pick<Memory, 'records' | 'planOf'>, load: LoadSession, target: PlanTarget, req: ForkRequest): Promise<SessionState> {
  const { parent, at } = req;
  const forks = await forksAbove(parent, load);
  const last = lastIteration(parent, await recordsOfLine(parent, memory, forks));
  if (at > last)
    throw new UsageError(`--from ${at}: session ${parent.id} ran ${last} iteration${last === 1 ? '' : 's'}: fork from an iteration between 0 and ${last}`);
  const time = req.now.toISOString();
  const settings = structuredClone(req.settings);
  const fork: SessionState = {
    ...emptyFork(parent),
    id: req.id,
    createdAt: time,
    updatedAt: time,
    settings,
    parent: parent.id,
    forkPoint: at,
  };
  forks.set(fork.id, { parent: parent.id, forkPoint: at });
  const records = await recordsOfLine(fork, memory, forks);
  Object.assign(fork, foldRecords(records));
  await planInHand(fork, records, memory, target);
  return fork;
}

/** A session with the parent's goal and nothing done yet (the fold fills in what the line did). */
function emptyFork(parent: SessionState): SessionState {
  const { id, goalText, procedure, goalId, createdAt, updatedAt, settings } = parent;
  return blankSession({ id, goalText, procedure, goalId, status: 'paused', createdAt, updatedAt, settings });
}

/** The plan of the fork point's iteration as the current one, and the plans a person had rejected by then. */
async function planInHand(fork: SessionState, records: LogRecord[], memory: Pick<Memory, 'planOf'>, target: PlanTarget): Promise<void> {
  const last = records.filter((r) => r.type === 'iteration').at(-1);
  const plan = last ? await memory.planOf(last) : undefined;
  if (plan) {
    fork.currentPlan = plan;
    fork.currentValidation = validatePlan(plan, target);
  }
  const rejected: Plan[] = [];
  for (const r of records) {
    if (r.type !== 'review' || r.review !== 'rejection' || r.planId === undefined) continue;
    const p = await memory.planOf(r);
    if (p) rejected.push(p);
  }
  if (rejected.length) fork.rejectedPlans = rejected;
}

/**
 * The fork points of the sessions in `records` that may be forks (their first iteration is not 1: a fork from 0 starts
 * from nothing) and of their ancestors, for the summary. A session file that does not read is left out, not fatal.
 */
export async function forksAmong(records: LogRecord[], load: LoadSession): Promise<Map<string, ForkPoint>> {
  const first = new Map<string, number>();
  for (const r of records) if (r.type === 'iteration' && !first.has(r.session)) first.set(r.session, r.iteration);
  const forks = new Map<string, ForkPoint>();
  for (const [id, iteration] of first) {
    if (iteration <= 1 || forks.has(id)) continue;
    const above = await load(id).then(
      (state) => forksAbove(state, load),
      () => new Map<string, ForkPoint>(),
    );
    for (const [k, v] of above) forks.set(k, v);
  }
  return forks;
}

type RulesQuery = { procedure: string; goalId: string; session: string };
type RulesOf = (scope: RulesQuery) => Promise<Rule[]>;

/** The ids of the rules a session's rejections made by iteration `through` for the session alone (not its goal). */
function sessionRuleIds(records: LogRecord[], session: string, through: number): Set<string> {
  const ids = new Set<string>();
  for (const r of records) {
    if (r.session !== session || r.iteration > through || r.review !== 'rejection' || r.scope === 'goal') continue;
    for (const body of r.constraints ?? []) {
      try {
        ids.add(humanRuleId(body as RuleBody));
      } catch {
        // A constraint of a kind this version does not know: human_rules.md never kept it either.
      }
    }
  }
  return ids;
}

/**
 * The human rules in force for a session: its goal's and its own (human_rules.md as a person left it), and for a fork
 * the rules its ancestors had given their sessions by the point where its line branched (a later one is not inherited).
 */
export async function rulesInForce(
  memory: Pick<Memory, 'records' | 'humanRules'>,
  state: SessionState,
  forks: ReadonlyMap<string, ForkPoint>,
): Promise<RulesOf> {
  const own: RulesOf = (scope) => memory.humanRules(scope);
  if (!forks.has(state.id)) return own;
  const records = await recordsOfLine(state, memory, forks);
  const inherited = lineageOf(state.id, forks)
    .filter((l) => l.through !== null)
    .map((l) => ({ session: l.session, ids: sessionRuleIds(records, l.session, l.through!) }))
    .filter((x) => x.ids.size > 0);
  return async (scope) => {
    const rules = new Map((await own(scope)).map((r) => [r.id, r]));
    for (const { session, ids } of inherited)
      for (const r of await memory.humanRules({ ...scope, session })) if (ids.has(r.id) && !rules.has(r.id)) rules.set(r.id, r);
    return [...rules.values()];
  };
}
