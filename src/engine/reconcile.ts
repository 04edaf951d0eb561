// Rebuilds a session's progress from the log's records, so a crash between commit and save loses nothing
// and repeats nothing: the log is the truth, the session file a cache of it.
import type { LogRecord } from '../memory/record.js';
import { isValidOutcome } from '../memory/types.js';
import type { Progress, SessionState } from './types.js';

export function emptyProgress(): Progress {
  return { completed: 0, approved: 0, improved: 0, alternatives: 0, repeats: 0, firstTryValid: 0, repairs: 0, repaired: 0, failed: 0, rejected: 0, overridden: 0, errors: 0, humanApprovals: 0 };
}

export interface Reconciled {
  progress: Progress;
  usage: SessionState['usage'];
  lastIteration: number;
  /** Rejections that could not be read into rules: prose the planner keeps seeing. */
  pendingFeedback: string[];
  /** The last iteration's record (its plan is in the plan store). */
  last: LogRecord | undefined;
  /** The record of the current champion: the last improvement not undone by a later rejection. */
  champion: LogRecord | undefined;
  seen: string[];
  consecutiveFailures: number;
  lastImprovement: number;
}

export function reconcile(records: LogRecord[], session: string): Reconciled {
  const progress = emptyProgress();
  const usage: SessionState['usage'] = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  const done = new Set<number>();
  const seen = new Set<string>();
  let last: LogRecord | undefined;
  let champion: LogRecord | undefined;
  let consecutiveFailures = 0;
  let lastImprovement = 0;
  const pendingFeedback: string[] = [];
  for (const r of records) {
    if (r.session !== session) continue;
    if (r.type === 'review') {
      if (r.review === 'rejection') {
        progress.rejected++;
        if (r.reason && !r.constraints?.length) pendingFeedback.push(r.reason);
        champion = undefined;
      } else if (r.review === 'override') progress.overridden++;
      else if (r.review === 'human-approval') progress.humanApprovals++;
      continue;
    }
    if (done.has(r.iteration)) continue; // never count an iteration twice, whatever the file says
    done.add(r.iteration);
    progress.completed++;
    progress.repairs += r.repairs ?? 0;
    if (r.planId) seen.add(r.planId);
    if (isValidOutcome(r.outcome)) {
      progress.approved++;
      if (r.repairs) progress.repaired++;
      else progress.firstTryValid++;
      if (r.outcome === 'improved' || r.outcome === 'approved') {
        progress.improved++;
        champion = r;
        lastImprovement = r.iteration;
      }
      else if (r.outcome === 'alternative') progress.alternatives++;
      else if (r.outcome === 'repeat') progress.repeats++;
      consecutiveFailures = 0;
    } else {
      if (r.outcome === 'error') progress.errors++;
      else progress.failed++;
      consecutiveFailures++;
    }
    if (r.usage) {
      usage.promptTokens += r.usage.p;
      usage.completionTokens += r.usage.c;
      usage.cachedTokens += r.usage.k;
    }
    usage.costUsd += r.cost ?? 0;
    if (r.usage && r.cost === undefined) usage.costUnknown = true;
    if (!last || r.iteration > last.iteration) last = r;
  }
  return { progress, usage, lastIteration: last?.iteration ?? 0, pendingFeedback, last, champion, seen: [...seen], consecutiveFailures, lastImprovement };
}
