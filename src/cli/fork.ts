// `resume <session> --from N --fork`: the flags checked, and the fork made and saved as a new session (the original is
// only read). The run itself is resume's, on the new session.
import type { FlagValues } from '../config/layers.js';
import { UsageError } from '../core/errors.js';
import { forkSession } from '../engine/fork.js';
import { newSessionId, type SessionStore } from '../engine/sessions.js';
import type { Memory } from '../memory/store.js';
import { formatScore, objectivesOf } from '../procedures/quality.js';
import type { PlanTarget } from '../procedures/types.js';
import type { SessionSettings, SessionState } from '../state/session.js';

/**
 * Whether the flags ask for a fork; a half-asked one is bad usage. `--from` alone is refused: continuing the same
 * session from an earlier iteration would change the original, which a branch never does.
 */
export function wantsFork(opts: FlagValues, id: string | undefined): boolean {
  const from = opts.from !== undefined;
  if (!from && !opts.fork) return false;
  if (!opts.fork) throw new UsageError('--from needs --fork: going back to an iteration makes a new session and leaves the original as it is');
  if (!from) throw new UsageError('--fork needs --from <n>: the iteration of the original to branch after');
  if (id === undefined) throw new UsageError('--fork needs the session to branch: `jupiter resume <session> --from <n> --fork`');
  return true;
}

/** The fork of `parent` after iteration `at` (not saved yet); `settings`: the parent's with resume's flags applied. */
export function makeFork(x: { store: SessionStore; memory: Memory; target: PlanTarget }, parent: SessionState, at: number, settings: SessionSettings) {
  const now = new Date();
  return forkSession(x.memory, (id) => x.store.load(id), x.target, { parent, at, id: newSessionId(parent.goalText, now), now, settings });
}

/** What a person is told once the fork is saved: where it branched, and the champion it starts from. */
export function forkLine(fork: SessionState, target: PlanTarget): string {
  const c = fork.champion;
  const objectives = fork.settings.objectives ?? objectivesOf(target);
  const from = c ? `the champion of iteration ${c.iteration} (${formatScore(c.score, objectives)})` : 'no valid plan yet';
  return `Forked session ${fork.id} from ${fork.parent} after iteration ${fork.forkPoint}, starting from ${from}; ${fork.parent} is left as it was.`;
}
