// The one update rule for a session: `apply(record)` folds a committed log record into the session's progress,
// champion, alternatives, rejections and usage. The engine applies each record it commits, resume applies the
// records a session file missed, and the summary replays each session's records: they cannot disagree.
import type { LogRecord } from '../memory/record.js';
import type { LoggedOutcome, Outcome, StandingPlan } from '../memory/types.js';
import { compareScores, type Score } from '../procedures/quality.js';
import type { Objective } from '../procedures/types.js';
import { emptyProgress, type PlanRef, type SessionState } from './session.js';

/** The part of a session the reducer owns (the rest is settings, status and the plans in hand). */
export type SessionFold = Pick<
  SessionState,
  | 'progress'
  | 'usage'
  | 'seen'
  | 'rejected'
  | 'champion'
  | 'alternatives'
  | 'improvements'
  | 'lastImprovement'
  | 'idleSince'
  | 'consecutiveFailures'
  | 'pendingFeedback'
  | 'converged'
  | 'lastProposal'
  | 'rejectedChampion'
>;

/** A proposal as the judge sees it: its content address, identity (same steps, same schedule) and score when valid. */
export interface Proposal {
  planId: string;
  key?: string | undefined;
  valid: boolean;
  score?: Score | undefined;
}

/** How many alternatives a session keeps for the checkpoint view. */
const KEEP_ALTERNATIVES = 3;
const objectivesOf = (r: LogRecord): Objective[] => (r.objectives?.length ? r.objectives : ['steps']);

export class Reducer {
  /** `state.seen` as a set (the list is saved with the session; the set answers "seen before?" in constant time). */
  private readonly seenSet: Set<string>;

  /** `elsewhere`: ids and identities of plans a person rejected on this goal in other sessions (and never approved). */
  constructor(
    readonly state: SessionFold,
    private readonly elsewhere: ReadonlySet<string> = new Set(),
  ) {
    this.seenSet = new Set(state.seen);
  }

  /** Folds one record in; a record of an iteration already counted changes nothing. */
  apply(r: LogRecord): void {
    if (r.type === 'review') this.review(r);
    else this.iteration(r);
  }

  has(id: string | undefined): boolean {
    return id !== undefined && this.seenSet.has(id);
  }

  see(id: string | undefined): void {
    if (id === undefined || this.seenSet.has(id)) return;
    this.seenSet.add(id);
    this.state.seen.push(id);
  }

  /** The plans seen so far, for a planner's request (read-only). */
  get seenIds(): ReadonlySet<string> {
    return this.seenSet;
  }

  isRejected(p: { planId: string; key?: string | undefined }): boolean {
    const r = this.state.rejected;
    const e = this.elsewhere;
    return r.includes(p.planId) || e.has(p.planId) || (p.key !== undefined && (r.includes(p.key) || e.has(p.key)));
  }

  /** What a proposal is worth against the champion, the plans seen and the plans a person rejected. */
  judge(p: Proposal, objectives: Objective[]): Outcome {
    if (!p.valid || !p.score) return 'failed';
    if (this.isRejected(p)) return 'rejected-before';
    const champion = this.state.champion;
    // No champion (the first valid plan, or none stands after a rejection): any valid plan takes the place.
    if (!champion) return 'improved';
    const c = compareScores(p.score, champion.score, objectives);
    if (c >= 0 && (this.has(p.planId) || this.has(p.key))) return 'repeat';
    return c < 0 ? 'improved' : c === 0 ? 'alternative' : 'worse';
  }

  /**
   * The outcome a record comes to under this state. A repeat is taken as recorded (the run saw candidates the log
   * does not keep); a valid plan with a score is judged again, so logs of older versions (`approved`, a reset after a
   * rejection called `improved`) read as what they were.
   */
  private outcomeOf(r: LogRecord): LoggedOutcome {
    const o = r.outcome ?? 'error';
    if (o === 'failed' || o === 'error' || o === 'repeat' || o === 'rejected-before' || !r.score || r.planId === undefined) return o;
    return this.judge({ planId: r.planId, key: r.planKey, valid: true, score: r.score }, objectivesOf(r));
  }

  private iteration(r: LogRecord): void {
    const s = this.state;
    const p = s.progress;
    if (r.iteration <= p.completed) return; // never count an iteration twice, whatever the file says
    p.completed = r.iteration;
    p.repairs += r.repairs ?? 0;
    this.spend(r);
    const outcome = this.outcomeOf(r);
    const before = s.champion?.score;
    if (outcome === 'failed' || outcome === 'error') {
      if (outcome === 'error') p.errors++;
      else p.failed++;
      s.consecutiveFailures++;
    } else {
      s.consecutiveFailures = 0;
      if (r.repairs) p.repaired++;
      else p.firstTryValid++;
      this.count(r, outcome);
    }
    this.see(r.planId);
    this.see(r.planKey);
    if (r.converged) s.converged = { iteration: r.iteration, reason: r.converged };
    if (outcome !== 'approved') {
      s.lastProposal = { iteration: r.iteration, outcome };
      if (r.score) s.lastProposal.score = r.score;
      if (before) s.lastProposal.championScore = before;
      if (r.planId !== undefined) s.lastProposal.planId = r.planId;
      if (r.claim) s.lastProposal.claim = { ...r.claim };
    }
  }

  /** A valid iteration's outcome: its counter, and the champion or alternatives it changes. */
  private count(r: LogRecord, outcome: LoggedOutcome): void {
    const p = this.state.progress;
    if (outcome === 'rejected-before') {
      p.rejectedBefore++;
      return;
    }
    const ref = r.score && r.planId !== undefined ? refOf(r, r.score) : undefined;
    // Approved: the plan took a place (champion or alternative). A worse plan or a repeat is counted as what it is.
    if (outcome === 'improved' || outcome === 'alternative' || outcome === 'approved') p.approved++;
    if (outcome === 'improved') {
      p.improved++;
      if (ref) this.crown(ref, objectivesOf(r));
    } else if (outcome === 'alternative' || outcome === 'worse') {
      if (outcome === 'alternative') p.alternatives++;
      else p.worse++;
      if (ref) this.remember(ref, objectivesOf(r));
    } else if (outcome === 'repeat') p.repeats++;
  }

  private spend(r: LogRecord): void {
    const u = this.state.usage;
    if (r.usage) {
      u.promptTokens += r.usage.promptTokens;
      u.completionTokens += r.usage.completionTokens;
      u.cachedTokens += r.usage.cachedTokens;
    }
    u.costUsd += r.cost ?? 0;
    // Tokens spent with no price to put on them: the total cost is unknown from here on, and says so.
    if (r.usage && r.cost === undefined) u.costUnknown = true;
  }

  private crown(ref: PlanRef, objectives: Objective[]): void {
    const s = this.state;
    const old = s.champion;
    s.improvements.push({ iteration: ref.iteration, before: old?.score ?? null, after: ref.score });
    s.champion = ref;
    s.alternatives = s.alternatives.filter((a) => !same(a, ref));
    if (old) this.remember(old, objectives);
    s.lastImprovement = ref.iteration;
    s.idleSince = ref.iteration;
  }

  private remember(ref: PlanRef, objectives: Objective[]): void {
    const s = this.state;
    if ((s.champion && same(s.champion, ref)) || s.alternatives.some((a) => same(a, ref)) || this.isRejected(ref)) return;
    s.alternatives.push(ref);
    s.alternatives.sort((a, b) => compareScores(a.score, b.score, objectives) || a.iteration - b.iteration);
    s.alternatives.splice(KEEP_ALTERNATIVES);
  }

  private review(r: LogRecord): void {
    const s = this.state;
    const p = s.progress;
    if (r.review === 'override') p.overridden++;
    else if (r.review === 'human-approval') p.humanApprovals++;
    if (r.review !== 'rejection') return;
    p.rejected++;
    if (r.reason && !r.constraints?.length) s.pendingFeedback.push(r.reason);
    const ids = [r.planId, r.planKey].filter((id): id is string => id !== undefined);
    const champion = s.champion;
    const ofChampion = champion !== null && ids.some((id) => id === champion.planId || id === champion.key);
    for (const id of ids) if (!s.rejected.includes(id)) s.rejected.push(id);
    if (ofChampion) {
      // The rejected plan is no longer the plan to beat; whether a better one exists is an open question again.
      s.rejectedChampion = { iteration: r.iteration, reason: r.reason ?? '', planId: champion.planId, score: champion.score };
      delete s.converged;
      s.idleSince = Math.max(s.idleSince, r.iteration);
    }
    if (r.standing) this.restand(r.standing);
    else if (ofChampion) this.restand(s.alternatives);
  }

  /** The plans that still stand, best first: the first is the champion, the next few the alternatives. */
  private restand(standing: StandingPlan[]): void {
    const s = this.state;
    const keep = standing
      .filter((x) => !this.isRejected(x))
      .map(({ planId, key, score, iteration }): PlanRef => (key ? { planId, key, score, iteration } : { planId, score, iteration }));
    s.champion = keep[0] ?? null;
    s.alternatives = keep.slice(1, 1 + KEEP_ALTERNATIVES);
  }
}

function refOf(r: LogRecord, score: Score): PlanRef {
  return r.planKey ? { planId: r.planId!, key: r.planKey, score, iteration: r.iteration } : { planId: r.planId!, score, iteration: r.iteration };
}

/** The same plan: the same identity, or (records from before identities) the same content address. */
const same = (a: PlanRef, b: PlanRef) => a.planId === b.planId || (a.key !== undefined && a.key === b.key);

export function emptyFold(): SessionFold {
  return {
    progress: emptyProgress(),
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
    seen: [],
    rejected: [],
    champion: null,
    alternatives: [],
    improvements: [],
    lastImprovement: 0,
    idleSince: 0,
    consecutiveFailures: 0,
    pendingFeedback: [],
  };
}

/**
 * A session's fold from its records alone (the invariants tool); without `session`, of every record in the order
 * given (a fork's line: its ancestors' records up to where it branched, then its own; see state/lineage.ts).
 */
export function foldRecords(records: LogRecord[], session?: string): SessionFold {
  const reducer = new Reducer(emptyFold());
  for (const r of records) if (session === undefined || r.session === session) reducer.apply(r);
  return reducer.state;
}
