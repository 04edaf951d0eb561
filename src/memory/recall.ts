// Recall: what memory puts in a prompt for the goal at hand, within a token budget. Scoped (the current goal's
// items first; another goal's only where it names actions of this procedure) and stable (within a session the
// recalled set keeps its order and new items are appended, so prompts share long prefixes).
import { renderRecalledLine, renderSupportEntry } from './render.js';
import { countTokens } from './tokens.js';
import type { MemoryItem, MemoryKind, RecallQuery, RecallResult } from './types.js';

const K1 = 1.2;
const B = 0.75;
/** Recency half-life, in log entries. */
const HALF_LIFE = 300;
/** Most items of each kind one prompt carries, however many memory keeps (a person's lines are all kept). */
export const RECALL_CAP: Record<MemoryKind, number> = { pattern: 40, lesson: 40, feedback: 100 };
const KINDS: MemoryKind[] = ['pattern', 'lesson', 'feedback'];

function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);
}

/** BM25 scores of `docs` for the query terms. */
function bm25(docs: string[][], query: string[]): number[] {
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

/**
 * Action ids an item is about: its structured data, and for free text the ids of `known` it names (the text's words,
 * kept in `cache` while the text is the same: a person's feedback is read every iteration).
 */
function actionsOf(item: MemoryItem, known: ReadonlySet<string>, cache?: RecallCache): string[] {
  const d = item.data;
  if (d.type === 'ordering') return [d.before, d.after];
  if (d.type === 'include' || d.type === 'avoid') return [d.action];
  if (d.type === 'fix') return d.before ? [d.action, d.before] : [d.action];
  if (d.type === 'exemplar') return d.steps;
  return (cache ? cache.words(item) : words(item.text)).filter((w) => known.has(w));
}

const words = (text: string) => text.toLowerCase().split(/[^a-z0-9._-]+/);

/**
 * Recall runs every iteration over mostly unchanged items: per-item terms and costs, and the BM25 scores of the
 * last query, are kept while the inputs they were computed from are the same. One cache per Memory instance.
 */
export class RecallCache {
  private readonly terms = new WeakMap<MemoryItem, { key: string; value: string[] }>();
  private readonly costs = new WeakMap<MemoryItem, { key: string; value: number }>();
  private lastBm25: { key: string; scores: number[] } | null = null;
  private readonly textWords = new WeakMap<MemoryItem, { key: string; value: string[] }>();

  words(item: MemoryItem): string[] {
    const hit = this.textWords.get(item);
    if (hit?.key === item.text) return hit.value;
    const value = words(item.text);
    this.textWords.set(item, { key: item.text, value });
    return value;
  }

  itemTerms(item: MemoryItem): string[] {
    const key = `${item.procedure ?? ''}|${item.goalId ?? ''}|${item.text}`;
    const hit = this.terms.get(item);
    if (hit?.key === key) return hit.value;
    const d = item.data;
    // The data (an ordering, an action) is learned together with the text, so the text names both.
    const extra =
      d.type === 'ordering'
        ? `${d.before} ${d.after}`
        : d.type === 'include' || d.type === 'avoid'
          ? d.action
          : d.type === 'fix'
            ? `${d.rule} ${d.action}`
            : '';
    const value = terms(`${item.text} ${extra} ${item.procedure ?? ''} ${item.goalId ?? ''}`);
    this.terms.set(item, { key, value });
    return value;
  }

  bm25(items: MemoryItem[], q: string[]): number[] {
    const key = `${q.join(' ')}\n${items.map((i) => `${i.procedure ?? ''}|${i.goalId ?? ''}|${i.text}`).join('\n')}`;
    if (this.lastBm25?.key !== key)
      this.lastBm25 = {
        key,
        scores: bm25(
          items.map((i) => this.itemTerms(i)),
          q,
        ),
      };
    return this.lastBm25.scores;
  }

  cost(item: MemoryItem): number {
    const key = `${item.count}|${item.contra ?? 0}|${item.human > 0}|${item.kind}|${item.data.type}|${item.text}`;
    const hit = this.costs.get(item);
    if (hit?.key === key) return hit.value;
    const value = recallCost(item);
    this.costs.set(item, { key, value });
    return value;
  }
}

/** Tokens an item takes in the prompt: its list line and its support entry (numbered as a three-digit item, the worst case budgeted). */
export function recallCost(item: MemoryItem): number {
  return countTokens(renderRecalledLine(item, 100)) + countTokens(renderSupportEntry(item, 100)) + 1;
}

export interface RankedItem {
  item: MemoryItem;
  score: number;
}

/** Scope tiers: this goal, then general items, then this procedure's other goals, then other procedures. */
function tier(item: MemoryItem, query: RecallQuery): number {
  if (!item.procedure) return 1;
  if (item.procedure !== query.procedure) return 3;
  return item.goalId === query.goalId ? 0 : 2;
}

function rank(items: MemoryItem[], query: RecallQuery, currentSeq: number, cache = new RecallCache()): RankedItem[] {
  const findingText = query.findings.map((f) => `${f.rule} ${f.message} ${f.fix ?? ''}`).join(' ');
  const q = terms(`${query.goalText} ${query.goalId} ${findingText} ${findingText}`);
  const relevance = cache.bm25(items, q);
  return items
    .map((item, i) => {
      const support = Math.log2(1 + Math.max(0, item.count - (item.contra ?? 0)));
      const human = item.human > 0 ? 2 + Math.log2(1 + item.human) : 0;
      const age = item.seq === undefined ? 0 : Math.max(0, currentSeq - item.seq);
      const recency = 0.5 ** (age / HALF_LIFE);
      const kind = item.kind === 'feedback' ? 1.5 : item.kind === 'lesson' ? 1 : item.data.type === 'exemplar' ? 1.2 : 0.5;
      // The tier dominates: every item of this goal ranks above every item of another.
      return { item, score: (relevance[i]! + support + human + kind) * (0.5 + 0.5 * recency) - tier(item, query) * 1000 };
    })
    .sort((a, b) => b.score - a.score || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0));
}

/** Items recall may offer: this goal's and general ones; another goal's only when it names actions of this procedure (never its exemplar). */
export function inScope(items: MemoryItem[], query: RecallQuery, cache?: RecallCache): MemoryItem[] {
  const known = new Set<string>(query.actions ?? []);
  if (!query.actions) {
    for (const i of items) if (i.procedure === query.procedure && i.goalId === query.goalId) for (const a of actionsOf(i, known, cache)) known.add(a);
  }
  return items.filter((i) => {
    if (!i.procedure || (i.procedure === query.procedure && i.goalId === query.goalId)) return true;
    if (i.data.type === 'exemplar') return false;
    return actionsOf(i, known, cache).some((a) => known.has(a));
  });
}

/**
 * Fills the budget: the current session's feedback first (a person said it), then what the session recalled
 * before (`previous`, in its order), then the best-ranked of the rest; items that do not fit are skipped so
 * smaller ones can still fill it. The result lists `previous` items in their old order, new ones appended.
 */
export function recall(items: MemoryItem[], query: RecallQuery, currentSeq: number, previous: readonly string[] = [], cache = new RecallCache()): RecallResult {
  const offered = inScope(items, query, cache);
  const mine = (i: MemoryItem) => i.kind === 'feedback' && i.session === query.session && i.procedure === query.procedure;
  const byId = new Map(offered.map((i) => [i.id, i]));
  const before = [...new Set(previous)].map((id) => byId.get(id)).filter((i): i is MemoryItem => i !== undefined);
  const ranked = rank(offered, query, currentSeq, cache).map((r) => r.item);
  const chosen = new Set<MemoryItem>();
  const perKind: Record<MemoryKind, number> = { pattern: 0, lesson: 0, feedback: 0 };
  let tokens = 0;
  for (const item of [...offered.filter(mine), ...before, ...ranked]) {
    if (chosen.has(item) || perKind[item.kind] >= RECALL_CAP[item.kind]) continue;
    const cost = cache.cost(item);
    if (tokens + cost > query.budgetTokens) continue;
    chosen.add(item);
    perKind[item.kind]++;
    tokens += cost;
  }
  const kept = before.filter((i) => chosen.has(i));
  const keptIds = new Set(kept);
  // New items in selection order: the session's feedback, then by rank.
  const appended = [...chosen].filter((i) => !keptIds.has(i));
  const kinds = KINDS.map((kind) => ({ kind, recalled: perKind[kind], offered: offered.filter((i) => i.kind === kind).length }));
  return { items: [...kept, ...appended], tokens, budget: query.budgetTokens, total: items.length, kinds };
}
