// Rebuilds a session's progress from the log's records, so a crash between commit and save loses nothing
// and repeats nothing: the log is the truth, the session file a cache of it.
import type { Progress, SessionState } from './types.js';
import type { LogRecord } from '../memory/record.js';
import { isValidOutcome } from '../memory/types.js';

export function emptyProgress(): Progress {
  return { completed: 0, approved: 0, improved: 0, alternatives: 0, repeats: 0, firstTryValid: 0, repairs: 0, repaired: 0, failed: 0, rejected: 0, overridden: 0, errors: 0, humanApprovals: 0 };
}

export interface Reconciled {
  progress: Progress;
  usage: SessionState['usage'];
  lastIteration: number;
  pendingFeedback: string[];
  /** The last iteration's record (its plan is in plans/<session>/<n>.yaml). */
  last: LogRecord | undefined;
}

export function reconcile(records: LogRecord[], session: string): Reconciled {
  const progress = emptyProgress();
  const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  const seen = new Set<number>();
  let last: LogRecord | undefined;
  let lastApprovedSeq = 0;
  const rejections: LogRecord[] = [];
  for (const r of records) {
    if (r.session !== session) continue;
    if (r.type === 'review') {
      if (r.review === 'rejection') progress.rejected++, rejections.push(r);
      else if (r.review === 'override') progress.overridden++, (lastApprovedSeq = r.seq);
      else progress.humanApprovals++;
      continue;
    }
    if (seen.has(r.iteration)) continue; // never count an iteration twice, whatever the file says
    seen.add(r.iteration);
    progress.completed++;
    if (isValidOutcome(r.outcome)) progress.approved++, (lastApprovedSeq = r.seq);
    else if (r.outcome === 'failed') progress.failed++;
    else if (r.outcome === 'error') progress.errors++;
    if (r.usage) {
      usage.promptTokens += r.usage.p;
      usage.completionTokens += r.usage.c;
      usage.cachedTokens += r.usage.k;
    }
    usage.costUsd += r.cost ?? 0;
    if (!last || r.iteration > last.iteration) last = r;
  }
  const pendingFeedback = rejections.filter((r) => r.seq > lastApprovedSeq && r.reason).map((r) => r.reason!);
  return { progress, usage, lastIteration: last?.iteration ?? 0, pendingFeedback, last };
}
