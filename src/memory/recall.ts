// Recall: ranks memory items for the goal at hand (BM25 relevance, scope, support, human weight, recency)
// and fills the token budget best-first. The current session's human feedback is always kept.
import { renderMemoryItem, supportLabel } from './render.js';
import { countTokens, tokenCalibration } from './tokens.js';
import type { MemoryItem, RecallQuery, RecallResult } from './types.js';

const K1 = 1.2;
const B = 0.75;
/** Recency half-life, in log entries. */
const HALF_LIFE = 300;

function terms(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length > 1);
}

/**
 * Recall runs every iteration over mostly unchanged items: a per-item result is kept while the inputs it was
 * computed from (named by `key`) are the same.
 */
function memo<T>(cache: WeakMap<MemoryItem, { key: string; value: T }>, item: MemoryItem, key: string, make: () => T): T {
  const hit = cache.get(item);
  if (hit?.key === key) return hit.value;
  const value = make();
  cache.set(item, { key, value });
  return value;
}

const termCache = new WeakMap<MemoryItem, { key: string; value: string[] }>();
function itemTerms(item: MemoryItem): string[] {
  // The data (an ordering, an action) is learned together with the text, so the text names both.
  return memo(termCache, item, `${item.procedure ?? ''}|${item.goalId ?? ''}|${item.text}`, () => itemTermsOf(item));
}

function itemTermsOf(item: MemoryItem): string[] {
  const d = item.data;
  const extra = d.type === 'ordering' ? `${d.before} ${d.after}` : d.type === 'include' || d.type === 'avoid' ? d.action : d.type === 'fix' ? `${d.rule} ${d.action}` : '';
  return terms(`${item.text} ${extra} ${item.procedure ?? ''} ${item.goalId ?? ''}`);
}

/** BM25 scores of `docs` for the query terms. */
export function bm25(docs: string[][], query: string[]): number[] {
  const n = docs.length;
  const avg = docs.reduce((s, d) => s + d.length, 0) / Math.max(1, n);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const q = [...new Set(query)];
  return docs.map((d) => {
    const tf = new Map<string, number>();
    for (const t of d) tf.set(t, (tf.get(t) ?? 0) + 1);
    let score = 0;
    for (const t of q) {
      const f = tf.get(t);
      if (!f) continue;
      const idf = Math.log(1 + (n - df.get(t)! + 0.5) / (df.get(t)! + 0.5));
      score += (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * d.length) / (avg || 1)));
    }
    return score;
  });
}

/** BM25 depends only on the texts and the query, which rarely change between iterations: reuse the last result. */
let lastBm25: { key: string; scores: number[] } | null = null;
function cachedBm25(items: MemoryItem[], q: string[]): number[] {
  const key = `${q.join(' ')}\n${items.map((i) => `${i.procedure ?? ''}|${i.goalId ?? ''}|${i.text}`).join('\n')}`;
  if (lastBm25?.key !== key) lastBm25 = { key, scores: bm25(items.map(itemTerms), q) };
  return lastBm25.scores;
}

/** Token cost of an item's prompt line, kept while the line would render the same. */
const costCache = new WeakMap<MemoryItem, { key: string; value: number }>();
function lineCost(item: MemoryItem): number {
  const key = `${tokenCalibration()}|${supportLabel(item.count)}|${item.human > 0}|${item.kind}|${item.text}`;
  return memo(costCache, item, key, () => countTokens(renderMemoryItem(item)) + 1);
}

export interface RankedItem {
  item: MemoryItem;
  score: number;
}

export function rank(items: MemoryItem[], query: RecallQuery, currentSeq: number): RankedItem[] {
  const findingText = query.findings.map((f) => `${f.rule} ${f.message} ${f.fix ?? ''}`).join(' ');
  const q = terms(`${query.goalText} ${query.goalId} ${findingText} ${findingText}`);
  const relevance = cachedBm25(items, q);
  return items
    .map((item, i) => {
      const scope = item.procedure === query.procedure ? (item.goalId === query.goalId ? 3 : 1.5) : item.procedure ? 0 : 1;
      const support = Math.log2(1 + item.count);
      const human = item.human > 0 ? 2 + Math.log2(1 + item.human) : 0;
      const age = item.seq === undefined ? 0 : Math.max(0, currentSeq - item.seq);
      const recency = Math.pow(0.5, age / HALF_LIFE);
      const kind = item.kind === 'feedback' ? 1.5 : item.kind === 'lesson' ? 1 : 0.5;
      return { item, score: (relevance[i]! + scope * 2 + support + human + kind) * (0.5 + 0.5 * recency) };
    })
    .sort((a, b) => b.score - a.score || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
}

/** Best-first within the budget; items that do not fit are skipped so smaller ones can still fill it. */
export function recall(items: MemoryItem[], query: RecallQuery, currentSeq: number): RecallResult {
  const chosen: MemoryItem[] = [];
  let tokens = 0;
  const mine = (i: MemoryItem) => i.kind === 'feedback' && i.session === query.session && i.procedure === query.procedure;
  // The current session's feedback first: a person said it, and the next plan must address it.
  const ordered = [...items.filter(mine).map((item) => ({ item, score: Infinity })), ...rank(items.filter((i) => !mine(i)), query, currentSeq)];
  for (const { item } of ordered) {
    const cost = lineCost(item);
    if (tokens + cost > query.budgetTokens) continue;
    chosen.push(item);
    tokens += cost;
  }
  return { items: chosen, tokens, budget: query.budgetTokens, total: items.length };
}
