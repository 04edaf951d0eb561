// What the sessions did, as the reducer reads their records (the rule the live run and resume use): strict
// improvements, repeats apart from approvals, and each goal's champion as its session held it, a rejection marked
// where it fell (the champion then steps up to the best plan still standing).
import type { LogRecord } from '../memory/record.js';
import { compareScores, type Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { type Forks, lineageOf, lineageRecords } from './lineage.js';
import { emptyFold, foldRecords, Reducer, type SessionFold } from './reducer.js';

/** The goal's best champion held after one of its iterations (null: none), and whether a rejection came just before. */
export interface HistoryPoint {
  score: Score | null;
  rejected: boolean;
}

export interface GoalHistory {
  objectives: Objective[];
  /** One point per iteration of the goal, in log order. */
  points: HistoryPoint[];
  /** Iterations that improved the goal's best plan standing (the points' score), strictly. */
  improvements: number;
  /** The last strict improvement: where, and its index among the goal's iterations. */
  last: { session: string; iteration: number; time: string; index: number } | null;
  /** Plans a person rejected on this goal (ids and identities). */
  rejected: Set<string>;
}

export interface History {
  improvements: number;
  firstTryValid: number;
  repeats: number;
  rejectedBefore: number;
  goals: Map<string, GoalHistory>;
}

const scopeOf = (r: LogRecord) => `${r.procedure}/${r.goalId}`;

/** The goal's best plan standing: the best of the champions its sessions hold (a rejected one holds no place). */
function bestHeld(held: Map<string, Score | null>, objectives: Objective[]): Score | null {
  let best: Score | null = null;
  for (const score of held.values()) if (score && (!best || compareScores(score, best, objectives.length ? objectives : ['steps']) < 0)) best = score;
  return best;
}

/**
 * Where a session's reducer starts: empty, or for a fork its line's state where it branched (its ancestors' records
 * in `records`, read under the objectives of the fork's first record), so a fork counts only what it did itself.
 */
function startOf(r: LogRecord, records: LogRecord[], forks: Forks): SessionFold {
  if (!forks.has(r.session)) return emptyFold();
  const line = lineageOf(r.session, forks).slice(0, -1);
  return foldRecords(lineageRecords(line, () => records, r.type === 'iteration' ? r.objectives : undefined));
}

type Counted = 'improved' | 'firstTryValid' | 'repeats' | 'rejectedBefore';

/** `forks`: the fork points of the sessions among `records` that are forks (none: every session starts empty). */
export function historyOf(records: LogRecord[], forks: Forks = new Map()): History {
  const sessions = new Map<string, Reducer>();
  /** What each fork's reducer started from (its line's counts are its ancestors', not its own). */
  const start = new Map<string, Pick<SessionFold['progress'], Counted>>();
  const goals = new Map<string, GoalHistory & { mark: boolean; held: Map<string, Score | null> }>();
  for (const r of records) {
    let reducer = sessions.get(r.session);
    if (!reducer) {
      sessions.set(r.session, (reducer = new Reducer(startOf(r, records, forks))));
      start.set(r.session, { ...reducer.state.progress });
    }
    let goal = goals.get(scopeOf(r));
    if (!goal) goals.set(scopeOf(r), (goal = { objectives: [], points: [], improvements: 0, last: null, rejected: new Set(), mark: false, held: new Map() }));
    const improved = reducer.state.progress.improved;
    const completed = reducer.state.progress.completed;
    reducer.apply(r);
    if (r.type === 'review') {
      if (r.review !== 'rejection') continue;
      goal.mark = true;
      goal.held.set(r.session, reducer.state.champion?.score ?? null);
      for (const id of [r.planId, r.planKey]) if (id) goal.rejected.add(id);
      continue;
    }
    if (reducer.state.progress.completed === completed) continue; // an iteration counted before
    if (r.objectives?.length) goal.objectives = r.objectives;
    goal.held.set(r.session, reducer.state.champion?.score ?? null);
    const before = goal.points.at(-1)?.score ?? null;
    const best = bestHeld(goal.held, goal.objectives);
    goal.points.push({ score: best, rejected: goal.mark });
    goal.mark = false;
    // The goal's best improved: its session's champion did, and no other session's already held as good a plan (a
    // second session's first plan, or a fork re-finding its line's best, improves its own champion, not the goal's).
    if (
      reducer.state.progress.improved > improved &&
      best &&
      (!before || compareScores(best, before, goal.objectives.length ? goal.objectives : ['steps']) < 0)
    ) {
      goal.improvements++;
      goal.last = { session: r.session, iteration: r.iteration, time: r.time, index: goal.points.length - 1 };
    }
  }
  // A rejection after the goal's last iteration: its last point shows the champion the rejection left standing, marked.
  for (const goal of goals.values()) {
    const last = goal.points.at(-1);
    if (goal.mark && last) goal.points[goal.points.length - 1] = { score: bestHeld(goal.held, goal.objectives), rejected: true };
  }
  const sum = (k: Counted) => [...sessions].reduce((n, [id, x]) => n + x.state.progress[k] - (start.get(id)?.[k] ?? 0), 0);
  return { improvements: sum('improved'), firstTryValid: sum('firstTryValid'), repeats: sum('repeats'), rejectedBefore: sum('rejectedBefore'), goals };
}
