// The learning summary, computed from structured records and consolidated items (never from counting markers).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LogRecord } from './record.js';
import { isValidOutcome, type MemoryItem } from './types.js';

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

export async function learningSummary(dir: string, records: LogRecord[], items: MemoryItem[], window = 10): Promise<LearningSummary> {
  const its = records.filter((r) => r.type === 'iteration');
  const reviews = records.filter((r) => r.type === 'review');
  const approved = its.filter((r) => isValidOutcome(r.outcome)).length;
  const windows: LearningSummary['windows'] = [];
  // Windows of `window` iterations, widened so at most 20 bars are drawn.
  const w = Math.max(window, Math.ceil(its.length / 20));
  for (let i = 0; i < its.length; i += w) {
    const slice = its.slice(i, i + w);
    const ok = slice.filter((r) => isValidOutcome(r.outcome)).length;
    windows.push({ from: i + 1, to: i + slice.length, rate: ok / slice.length, approved: ok, total: slice.length });
  }
  const bucket = Math.max(1, Math.ceil(its.length / 20));
  const context: LearningSummary['context'] = [];
  for (let i = 0; i < its.length; i += bucket) {
    const slice = its.slice(i, i + bucket);
    const avg = (f: (r: LogRecord) => number) => Math.round(slice.reduce((s, r) => s + f(r), 0) / slice.length);
    context.push({ from: i + 1, to: i + slice.length, tokens: avg((r) => r.ctx?.t ?? 0), budget: avg((r) => r.ctx?.b ?? 0), promptChars: avg((r) => r.promptChars ?? 0) });
  }
  const usage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0 };
  for (const r of its) {
    usage.promptTokens += r.usage?.p ?? 0;
    usage.completionTokens += r.usage?.c ?? 0;
    usage.cachedTokens += r.usage?.k ?? 0;
    usage.costUsd += r.cost ?? 0;
  }
  const ratios = its.filter((r) => r.est && r.usage?.p).map((r) => r.usage!.p / r.est!).sort((a, b) => a - b);
  const tokenEstimate = ratios.length ? { samples: ratios.length, medianRatio: ratios[Math.floor(ratios.length / 2)]! } : null;
  const bySeq = (a: MemoryItem, b: MemoryItem) => (b.seq ?? Infinity) - (a.seq ?? Infinity);
  const patterns = items.filter((i) => i.kind === 'pattern');
  const lessons = items.filter((i) => i.kind === 'lesson');
  const feedback = items.filter((i) => i.kind === 'feedback');
  const size = memorySize(dir);
  return {
    sessions: new Set(records.map((r) => r.session)).size,
    iterations: its.length,
    approved,
    failed: its.filter((r) => r.outcome === 'failed').length,
    errors: its.filter((r) => r.outcome === 'error').length,
    humanApprovals: reviews.filter((r) => r.review === 'human-approval').length,
    rejections: reviews.filter((r) => r.review === 'rejection').length,
    overrides: reviews.filter((r) => r.review === 'override').length,
    successRate: its.length ? approved / its.length : null,
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
