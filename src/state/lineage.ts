// A session's line of descent (after LangGraph's time travel): a fork's state is its ancestors' records up to where
// each branched, then its own, folded by the one reducer. Pure: the callers find the records and the fork points.
import type { LogRecord } from '../memory/record.js';
import type { Objective } from '../procedures/types.js';
import type { Progress, SessionState } from './session.js';

/** Where a fork branched: its parent session and the last of the parent's iterations it took. */
export interface ForkPoint {
  parent: string;
  forkPoint: number;
}

/** One session of a line: its id, and the last iteration the line takes from it (null: all of them, the session itself). */
export interface LineageLink {
  session: string;
  through: number | null;
}

/** Fork points by session id (sessions that are not forks are absent). */
export type Forks = ReadonlyMap<string, ForkPoint>;

/** Most generations a line may have: a longer one (or a cycle a hand edit made) is refused, not followed. */
const MAX_GENERATIONS = 64;

/** The line that ends at `session`, oldest first; each ancestor taken through the point where its child branched. */
export function lineageOf(session: string, forks: Forks): LineageLink[] {
  const line: LineageLink[] = [{ session, through: null }];
  let through = Infinity;
  for (let id = session, fork = forks.get(id); fork; id = fork.parent, fork = forks.get(id)) {
    if (line.length > MAX_GENERATIONS || line.some((l) => l.session === fork!.parent))
      throw new Error(`session ${session}: its line of parents goes round in a circle or is too long (at ${fork.parent})`);
    // A grandchild branched before its parent's own fork point takes less of the grandparent.
    through = Math.min(through, fork.forkPoint);
    line.unshift({ session: fork.parent, through });
  }
  return line;
}

const sameObjectives = (a: readonly Objective[] | undefined, b: readonly Objective[]) => a !== undefined && a.join() === b.join();

/**
 * The records a session's state is made of, in order: each ancestor's through its point, then the session's own.
 * `objectives`: the fork weighs scores otherwise; its ancestors' records are read under them (a convergence proved
 * under other objectives proves nothing here), so the reducer judges their plans again.
 */
export function lineageRecords(line: LineageLink[], recordsOf: (session: string) => LogRecord[], objectives?: readonly Objective[]): LogRecord[] {
  const out: LogRecord[] = [];
  for (const link of line) {
    const own = link.through === null;
    for (const r of recordsOf(link.session)) {
      if (r.session !== link.session || (!own && r.iteration > link.through!)) continue;
      if (own || !objectives || r.type !== 'iteration' || sameObjectives(r.objectives, objectives)) out.push(r);
      else {
        const { converged: _proved, ...rest } = r;
        out.push({ ...rest, objectives: [...objectives] });
      }
    }
  }
  return out;
}

type Usage = SessionState['usage'];

/** A session's progress and usage (what the closing lines and the cost cap count). */
export interface Counts {
  progress: Progress;
  usage: Usage;
}

/** What a fork's line had done by its fork point (its ancestors' records folded by the one reducer): where its own counts start. */
export interface ForkBase extends ForkPoint {
  progress: Progress;
  usage: Usage;
}

/**
 * A session's counts as a person reads them: a fork's are its own (its line's less what the line had done by the fork
 * point; every count is a sum of events, so the difference is exactly the fork's); any other session's as they are.
 */
export function ownCounts(x: Counts, base: ForkBase | undefined): Counts {
  if (!base) return x;
  const progress = { ...x.progress };
  for (const key of Object.keys(progress) as (keyof Progress)[]) progress[key] = Math.max(0, x.progress[key] - base.progress[key]);
  const u = x.usage;
  const b = base.usage;
  const usage: Usage = {
    promptTokens: Math.max(0, u.promptTokens - b.promptTokens),
    completionTokens: Math.max(0, u.completionTokens - b.completionTokens),
    cachedTokens: Math.max(0, u.cachedTokens - b.cachedTokens),
    costUsd: Math.max(0, u.costUsd - b.costUsd),
  };
  // A total that was a lower bound before the fork leaves the fork's share unknown too.
  if (u.costUnknown) usage.costUnknown = true;
  return { progress, usage };
}
