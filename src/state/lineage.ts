// A session's line of descent (after LangGraph's time travel): a fork's state is its ancestors' records up to where
// each branched, then its own, folded by the one reducer. Pure: the callers find the records and the fork points.
import type { LogRecord } from '../memory/record.js';
import type { Objective } from '../procedures/types.js';

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
