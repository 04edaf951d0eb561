// The learning summary's numbers as a running fold over the log, so `summary` at 100,000 iterations reads what is
// new since the last flush rather than the whole history. Windows keep their exact counts in mergeable buckets.
import type { Fold } from './aggregates.js';
import type { LogRecord } from './record.js';
import { isValidOutcome } from './types.js';

/** Consecutive iterations folded together: count, valid, recalled tokens, budget, prompt characters (sums). */
export interface SummaryBucket {
  n: number;
  ok: number;
  t: number;
  b: number;
  pc: number;
}

export interface SummaryState {
  sessions: Record<string, 1>;
  iterations: number;
  /** Valid plans that took a place: champion or alternative (logged `improved`, `alternative`, or `approved` by old logs). */
  approved: number;
  /** Valid new plans no better than the champion (counted apart: never approved). */
  worse: number;
  /** Valid iterations that repeated a plan of their session, and valid plans a person had rejected before. */
  repeats: number;
  rejectedBefore: number;
  failed: number;
  errors: number;
  humanApprovals: number;
  rejections: number;
  /** Plans a person rejected, per goal (`procedure/goal`): never shown as a goal's best. */
  rejectedPlans: Record<string, string[]>;
  overrides: number;
  /** `costUnknown`: some call had no known price, so `costUsd` is a lower bound. */
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number; costUnknown?: boolean };
  /** Iterations per bucket: 1 until there are MAX_BUCKETS, then doubled (neighbours merged) as history grows. */
  bucketSize: number;
  buckets: SummaryBucket[];
  /** Server tokens / jupiter's estimate, for the most recent RATIOS iterations that had both. */
  ratios: number[];
  ratioCount: number;
}

/** Enough buckets that 20 bars are exact up to 160 iterations and never more than one bucket off beyond. */
const MAX_BUCKETS = 160;
const RATIOS = 1001;

export const summaryFold: Fold<SummaryState> = {
  name: 'summary',
  version: 3,
  init: () => ({
    sessions: {},
    iterations: 0,
    approved: 0,
    worse: 0,
    repeats: 0,
    rejectedBefore: 0,
    failed: 0,
    errors: 0,
    humanApprovals: 0,
    rejections: 0,
    rejectedPlans: {},
    overrides: 0,
    usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 },
    bucketSize: 1,
    buckets: [],
    ratios: [],
    ratioCount: 0,
  }),
  apply: (s, r) => foldRecord(s, r),
};

function foldRecord(s: SummaryState, r: LogRecord): void {
  s.sessions[r.session] = 1;
  if (r.type === 'review') {
    if (r.review === 'human-approval') s.humanApprovals++;
    else if (r.review === 'rejection') {
      s.rejections++;
      if (r.planId) (s.rejectedPlans[`${r.procedure}/${r.goalId}`] ??= []).push(r.planId);
    } else if (r.review === 'override') s.overrides++;
    return;
  }
  const ok = isValidOutcome(r.outcome) || r.outcome === 'rejected-before';
  s.iterations++;
  if (r.outcome === 'repeat') s.repeats++;
  else if (r.outcome === 'rejected-before') s.rejectedBefore++;
  else if (r.outcome === 'worse') s.worse++;
  else if (ok) s.approved++;
  else if (r.outcome === 'failed') s.failed++;
  else if (r.outcome === 'error') s.errors++;
  s.usage.promptTokens += r.usage?.promptTokens ?? 0;
  s.usage.completionTokens += r.usage?.completionTokens ?? 0;
  s.usage.cachedTokens += r.usage?.cachedTokens ?? 0;
  s.usage.costUsd += r.cost ?? 0;
  if (r.usage && r.cost === undefined) s.usage.costUnknown = true;
  // Only single calls compare the tokenizer with the server: an iteration with repair rounds made several.
  if (r.promptTokensEstimate && r.usage?.promptTokens && !r.repairs) {
    s.ratios.push(r.usage.promptTokens / r.promptTokensEstimate);
    if (s.ratios.length > RATIOS) s.ratios.shift();
    s.ratioCount++;
  }
  let last = s.buckets.at(-1);
  if (!last || last.n >= s.bucketSize) s.buckets.push((last = { n: 0, ok: 0, t: 0, b: 0, pc: 0 }));
  last.n++;
  last.ok += ok ? 1 : 0;
  last.t += r.context?.tokens ?? 0;
  last.b += r.context?.budget ?? 0;
  last.pc += r.promptChars ?? 0;
  if (s.buckets.length > MAX_BUCKETS && s.buckets.every((b) => b.n === s.bucketSize)) {
    const merged: SummaryBucket[] = [];
    for (let i = 0; i < s.buckets.length; i += 2) {
      const [a, b] = [s.buckets[i]!, s.buckets[i + 1]];
      merged.push(b ? { n: a.n + b.n, ok: a.ok + b.ok, t: a.t + b.t, b: a.b + b.b, pc: a.pc + b.pc } : a);
    }
    s.buckets = merged;
    s.bucketSize *= 2;
  }
}

/** Buckets grouped into spans of about `width` iterations (a whole number of buckets), oldest first. */
export function spans(s: SummaryState, width: number): { from: number; to: number; sum: SummaryBucket }[] {
  const per = Math.max(1, Math.ceil(width / s.bucketSize));
  const out: { from: number; to: number; sum: SummaryBucket }[] = [];
  let from = 1;
  for (let i = 0; i < s.buckets.length; i += per) {
    const sum = { n: 0, ok: 0, t: 0, b: 0, pc: 0 };
    for (const b of s.buckets.slice(i, i + per)) {
      sum.n += b.n;
      sum.ok += b.ok;
      sum.t += b.t;
      sum.b += b.b;
      sum.pc += b.pc;
    }
    out.push({ from, to: from + sum.n - 1, sum });
    from += sum.n;
  }
  return out;
}
