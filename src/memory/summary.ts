// The learning summary, computed from structured records and consolidated items (never from counting markers).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LogRecord } from './record.js';
import type { MemoryItem } from './types.js';
import { foldRecord, spans, summaryFold, type SummaryState } from './summary-fold.js';

export interface LearningSummary {
  sessions: number;
  iterations: number;
  approved: number;
  failed: number;
  errors: number;
  humanApprovals: number;
  rejections: number;
  overrides: number;
  successRate: number | null;
  /** Success rate per window of `window` iterations, oldest first. */
  windows: { from: number; to: number; rate: number; approved: number; total: number }[];
  window: number;
  topPatterns: { text: string; count: number; human: number; scope: string }[];
  latestLessons: { text: string; count: number; scope: string }[];
  latestFeedback: { text: string; count: number; scope: string }[];
  memory: { items: number; patterns: number; lessons: number; feedback: number; bytes: number; files: number; planFiles: number };
  /** Recalled context per iteration, bucketed to at most 20 points. */
  context: { from: number; to: number; tokens: number; budget: number; promptChars: number }[];
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number };
  /** How jupiter's token estimate compares with the server's count (median of server/estimate), when known. */
  tokenEstimate: { samples: number; medianRatio: number } | null;
}

/**
 * Size of what memory holds: the markdown, the index and the session files, byte for byte; plan copies are only
 * counted (one readdir per session, no stat per file), so the summary stays fast at 10,000 iterations.
 */
function memorySize(dir: string): { bytes: number; files: number; planFiles: number } {
  let bytes = 0;
  let files = 0;
  const add = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile()) (bytes += st.size), files++;
  };
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const name of list(dir)) add(path.join(dir, name));
  for (const sub of ['sessions', '.jupiter']) for (const name of list(path.join(dir, sub))) add(path.join(dir, sub, name));
  let planFiles = 0;
  // plans/<planId>.yaml, one per distinct plan; folders of per-iteration copies in memory from before.
  for (const name of list(path.join(dir, 'plans'))) planFiles += name.endsWith('.yaml') ? 1 : list(path.join(dir, 'plans', name)).length;
  return { bytes, files, planFiles };
}

const scopeOf = (i: MemoryItem) => (i.procedure ? `${i.procedure}${i.goalId ? `/${i.goalId}` : ''}` : 'general');

/**
 * The summary from the log's records, or from the summary fold's state (memory.aggregate(summaryFold)), which is
 * what `summary` uses: the same numbers without reading the history.
 */
export async function learningSummary(dir: string, source: LogRecord[] | SummaryState, items: MemoryItem[], window = 10): Promise<LearningSummary> {
  let state: SummaryState;
  if (Array.isArray(source)) {
    state = summaryFold.init();
    for (const r of source) foldRecord(state, r);
  } else state = source;
  const n = state.iterations;
  // Windows of `window` iterations, widened so at most 20 bars are drawn (a whole number of the fold's buckets).
  const width = Math.max(window, Math.ceil(n / 20));
  const w = state.bucketSize * Math.ceil(width / state.bucketSize);
  const windows: LearningSummary['windows'] = spans(state, w).map(({ from, to, sum }) => ({ from, to, rate: sum.ok / sum.n, approved: sum.ok, total: sum.n }));
  const context: LearningSummary['context'] = spans(state, Math.max(1, Math.ceil(n / 20))).map(({ from, to, sum }) => ({
    from,
    to,
    tokens: Math.round(sum.t / sum.n),
    budget: Math.round(sum.b / sum.n),
    promptChars: Math.round(sum.pc / sum.n),
  }));
  const usage = { ...state.usage };
  const ratios = [...state.ratios].sort((a, b) => a - b);
  const tokenEstimate = ratios.length ? { samples: state.ratioCount, medianRatio: ratios[Math.floor(ratios.length / 2)]! } : null;
  const bySeq = (a: MemoryItem, b: MemoryItem) => (b.seq ?? Infinity) - (a.seq ?? Infinity);
  const patterns = items.filter((i) => i.kind === 'pattern');
  const lessons = items.filter((i) => i.kind === 'lesson');
  const feedback = items.filter((i) => i.kind === 'feedback');
  const size = memorySize(dir);
  return {
    sessions: Object.keys(state.sessions).length,
    iterations: n,
    approved: state.approved,
    failed: state.failed,
    errors: state.errors,
    humanApprovals: state.humanApprovals,
    rejections: state.rejections,
    overrides: state.overrides,
    successRate: n ? state.approved / n : null,
    windows,
    window: w,
    topPatterns: [...patterns].sort((a, b) => b.human - a.human || b.count - a.count).slice(0, 8).map((i) => ({ text: i.text, count: i.count, human: i.human, scope: scopeOf(i) })),
    latestLessons: [...lessons].sort(bySeq).slice(0, 5).map((i) => ({ text: i.text, count: i.count, scope: scopeOf(i) })),
    latestFeedback: [...feedback].sort(bySeq).slice(0, 5).map((i) => ({ text: i.text, count: i.count, scope: scopeOf(i) })),
    memory: { items: items.length, patterns: patterns.length, lessons: lessons.length, feedback: feedback.length, ...size },
    context,
    usage,
    tokenEstimate,
  };
}
