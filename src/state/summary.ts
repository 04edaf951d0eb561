// The learning summary, computed from structured records and consolidated items (never from counting markers).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Score } from '../procedures/quality.js';
import { type History, historyOf } from './history.js';
import { type Counts as OwnCounts, type ForkPoint, type Forks, lineageOf, lineageRecords } from './lineage.js';
import type { Objective } from '../procedures/types.js';
import type { LogRecord } from '../memory/record.js';
import { spans, summaryFold, type SummaryState } from '../memory/summary-fold.js';
import { isValidOutcome, type MemoryItem, type OptimalClaim } from '../memory/types.js';

/** One window of iterations: how often plans passed, passed at the first try, needed repairs, and which rules failed. */
export interface SummaryWindow {
  from: number;
  to: number;
  rate: number;
  /** Iterations whose plan passed validation (the rate's numerator; not the approved count). */
  valid: number;
  total: number;
  /** Valid without a repair round (absent when the summary comes from the running totals, not the records). */
  firstTry?: number;
  /** Repair rounds used, and iterations a repair turned valid. */
  repairs?: number;
  repaired?: number;
  /** Failed iterations per rule their errors were about (the validator's checks and the procedures' rules). */
  failures?: Record<string, number>;
}

/** What shows the iterations improving: computed from the records (null when only running totals were read). */
export interface LearningDetail {
  improvements: number;
  firstTryValid: number;
  repairs: number;
  /** Distinct plans proposed (content addresses), and valid iterations that repeated a plan already seen. */
  distinctPlans: number;
  repeats: number;
  /** Valid plans a person had rejected before (never approved). */
  rejectedBefore: number;
  /** Candidate insights the validator refuted on the failure they came from (discarded, never in memory). */
  refutedInsights: number;
  /** Champion score over iterations, per goal (most iterations first). */
  champions: ChampionTrack[];
  /** Runs that ended because the planner proved no better plan exists. */
  converged: { session: string; iteration: number; reason: string }[];
  /** A model's claims that its plan is optimal, each with what checking it came to (holds, refuted, unchecked). */
  claims: { session: string; iteration: number; verdict: OptimalClaim['verdict']; text: string }[];
}

/** A goal's champion over iterations: the best score reached so far, per bucket of iterations. */
export interface ChampionTrack {
  scope: string;
  objectives: Objective[];
  /** `rejected`: a person rejected the champion in this bucket (the champion stepped up to the best plan standing). */
  /** `score` null: no plan stood (a person rejected the only champion), drawn once the goal has had a champion. */
  points: { from: number; to: number; score: Score | null; rejected?: boolean }[];
  improvements: number;
  /** The last improvement: its session and iteration, and how many of this goal's iterations ran since. */
  last: { session: string; iteration: number; time: string; since: number } | null;
}

/** Which records and items a summary covers: one session, one goal (`procedure/goal`, or words of its text). */
export interface SummaryFilter {
  session?: string;
  goal?: string;
  window?: number;
  /** Fork points of the sessions that are forks: a fork's summary takes in its line (its parent's records through the fork). */
  forks?: Forks;
  /** The human rules in force for goal `scope` that a plan of these steps breaks (the summary marks such a best plan). */
  exemplarCheck?: (scope: string, steps: string[]) => string[];
}

/** The summary's counts, as the summary fold keeps them. */
type Counts = Pick<
  SummaryState,
  'iterations' | 'approved' | 'worse' | 'repeats' | 'rejectedBefore' | 'failed' | 'errors' | 'humanApprovals' | 'rejections' | 'overrides'
> & {
  sessions: number;
  successRate: number | null;
};

function countsOf(state: SummaryState): Counts {
  const { iterations, approved, worse, repeats, rejectedBefore, failed, errors, humanApprovals, rejections, overrides } = state;
  return {
    sessions: Object.keys(state.sessions).length,
    iterations,
    approved,
    worse,
    repeats,
    rejectedBefore,
    failed,
    errors,
    humanApprovals,
    rejections,
    overrides,
    // Success: the plan passed validation (approved, worse, a repeat, or one a person had rejected before).
    successRate: iterations ? (approved + worse + repeats + rejectedBefore) / iterations : null,
  };
}

/** A goal a `--goal` filter matched: `procedure/goal`, and the goals as people typed them for it. */
export interface ResolvedGoal {
  goal: string;
  typed: string[];
}

export interface LearningSummary extends Counts {
  /** Success rate per window of `window` iterations, oldest first. */
  windows: SummaryWindow[];
  window: number;
  /** What the summary covers (absent: everything in memory); `branch`: the session is a fork, and where it branched. */
  filter: { session?: string; goal?: string; branch?: ForkPoint & { own?: OwnCounts }; resolved?: ResolvedGoal[] };
  learning: LearningDetail | null;
  /** The goals' exemplars and the insights with the most net support, with their votes. */
  /** `breaks`: the human rules now in force for its goal that the exemplar's order of steps breaks (when checked). */
  exemplars: { text: string; count: number; human: number; scope: string; breaks?: string[] }[];
  topInsights: { text: string; count: number; against: number; human: number; scope: string }[];
  topPatterns: { text: string; count: number; human: number; scope: string }[];
  latestLessons: { text: string; count: number; scope: string }[];
  latestFeedback: { text: string; count: number; scope: string }[];
  memory: { items: number; patterns: number; lessons: number; feedback: number; bytes: number; files: number; planFiles: number };
  /** Recalled context per iteration, bucketed to at most 20 points. */
  context: { from: number; to: number; tokens: number; budget: number; promptChars: number }[];
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number; costUsd: number; costUnknown?: boolean };
  /** How jupiter's token estimate compares with the server's count (median of server/estimate), when known. */
  tokenEstimate: { samples: number; medianRatio: number } | null;
}

/**
 * Size of what memory holds: the markdown, the running totals and the session files, byte for byte; plan copies are only
 * counted (one readdir per session, no stat per file), so the summary stays fast at 10,000 iterations.
 */
function memorySize(dir: string): { bytes: number; files: number; planFiles: number } {
  let bytes = 0;
  let files = 0;
  const add = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isFile()) {
      bytes += st.size;
      files++;
    }
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
  // plans/<planId>.json (or .yaml, from before JSON), one per distinct plan; folders of per-iteration copies in memory
  // from before that.
  for (const name of list(path.join(dir, 'plans'))) planFiles += /\.(json|yaml)$/.test(name) ? 1 : list(path.join(dir, 'plans', name)).length;
  return { bytes, files, planFiles };
}

const scopeOf = (i: MemoryItem) => (i.procedure ? `${i.procedure}${i.goalId ? `/${i.goalId}` : ''}` : 'general');

const scopeOfRecord = (r: LogRecord) => `${r.procedure}/${r.goalId}`;

/**
 * The records about the goal a person named: `procedure/goal` exactly, else a goal id exactly, else goals whose text
 * (as typed) contains the words.
 */
function goalFilter(records: LogRecord[], goal: string): (r: LogRecord) => boolean {
  const g = goal.trim().toLowerCase();
  if (g.includes('/')) {
    const scope = g.replace(/\s*\/\s*/, '/');
    return (r) => scopeOfRecord(r).toLowerCase() === scope;
  }
  if (records.some((r) => r.goalId.toLowerCase() === g)) return (r) => r.goalId.toLowerCase() === g;
  return (r) => (r.goalText ?? '').toLowerCase().includes(g);
}

function windowOf(slice: LogRecord[], from: number): SummaryWindow {
  const ok = slice.filter((r) => isValidOutcome(r.outcome) || r.outcome === 'rejected-before');
  const failures: Record<string, number> = {};
  for (const r of slice) {
    if (r.outcome !== 'failed') continue;
    const rules = r.failing ?? [...new Set((r.findings ?? []).filter((f) => f.severity === 'error').map((f) => f.rule))];
    for (const rule of rules) failures[rule] = (failures[rule] ?? 0) + 1;
  }
  return {
    from,
    to: from + slice.length - 1,
    rate: ok.length / slice.length,
    valid: ok.length,
    total: slice.length,
    firstTry: ok.filter((r) => !r.repairs).length,
    repairs: slice.reduce((n, r) => n + (r.repairs ?? 0), 0),
    repaired: ok.filter((r) => (r.repairs ?? 0) > 0).length,
    failures,
  };
}

/** Each goal's champion over its iterations as its sessions held it, in at most 20 buckets; a rejection marks its bucket. */
function championTracks(history: History): ChampionTrack[] {
  const tracks: ChampionTrack[] = [];
  for (const [scope, g] of history.goals) {
    const n = g.points.length;
    const last = g.last ? { session: g.last.session, iteration: g.last.iteration, time: g.last.time, since: n - 1 - g.last.index } : null;
    const bucket = Math.max(1, Math.ceil(n / 20));
    const points: ChampionTrack['points'] = [];
    for (let i = 0; i < n; i += bucket) {
      const slice = g.points.slice(i, i + bucket);
      const score = slice.at(-1)?.score ?? null;
      const rejected = slice.some((p) => p.rejected);
      // Before the goal's first valid plan there is nothing to draw; after it (a rejection means there was one), a
      // bucket where none stands is drawn empty.
      if (!score && !points.length && !rejected) continue;
      points.push(rejected ? { from: i + 1, to: i + slice.length, score, rejected } : { from: i + 1, to: i + slice.length, score });
    }
    if (points.length || g.improvements) tracks.push({ scope, objectives: points.length ? g.objectives : [], points, improvements: g.improvements, last });
  }
  return tracks.sort((x, y) => y.points.length - x.points.length || y.improvements - x.improvements);
}

/** Items without the exemplars of plans a person rejected on their goal. */
function withoutRejected(items: MemoryItem[], rejected: (scope: string) => ReadonlySet<string> | undefined): MemoryItem[] {
  return items.filter((i) => !(i.data.type === 'exemplar' && i.data.planId && rejected(itemScope(i))?.has(i.data.planId)));
}

const itemScope = (i: MemoryItem) => (i.procedure ? `${i.procedure}/${i.goalId ?? ''}` : 'general');

type ItemParts = Pick<LearningSummary, 'exemplars' | 'topInsights' | 'topPatterns' | 'latestLessons' | 'latestFeedback' | 'memory'>;

/** What the consolidated items say: the goals' exemplars, the best supported insights, the latest lessons and feedback. */
function itemParts(
  items: MemoryItem[],
  size: { bytes: number; files: number; planFiles: number },
  check: SummaryFilter['exemplarCheck'] = () => [],
): ItemParts {
  const bySeq = (a: MemoryItem, b: MemoryItem) => (b.seq ?? Infinity) - (a.seq ?? Infinity);
  const net = (i: MemoryItem) => i.count + i.human - (i.contra ?? 0);
  const patterns = items.filter((i) => i.kind === 'pattern');
  const lessons = items.filter((i) => i.kind === 'lesson');
  const feedback = items.filter((i) => i.kind === 'feedback');
  const insights = patterns.filter((i) => i.data.type !== 'exemplar');
  return {
    exemplars: patterns
      .filter((i) => i.data.type === 'exemplar')
      .map((i) => {
        const breaks = i.data.type === 'exemplar' && i.procedure ? check(scopeOf(i), i.data.steps) : [];
        return { text: i.text, count: i.count, human: i.human, scope: scopeOf(i), ...(breaks.length ? { breaks } : {}) };
      }),
    topInsights: [...insights]
      .sort((a, b) => net(b) - net(a) || bySeq(a, b))
      .slice(0, 8)
      .map((i) => ({ text: i.text, count: i.count, against: i.contra ?? 0, human: i.human, scope: scopeOf(i) })),
    topPatterns: [...patterns]
      .sort((a, b) => b.human - a.human || b.count - a.count)
      .slice(0, 8)
      .map((i) => ({ text: i.text, count: i.count, human: i.human, scope: scopeOf(i) })),
    latestLessons: [...lessons]
      .sort(bySeq)
      .slice(0, 5)
      .map((i) => ({ text: i.text, count: i.count, scope: scopeOf(i) })),
    latestFeedback: [...feedback]
      .sort(bySeq)
      .slice(0, 5)
      .map((i) => ({ text: i.text, count: i.count, scope: scopeOf(i) })),
    memory: { items: items.length, patterns: patterns.length, lessons: lessons.length, feedback: feedback.length, ...size },
  };
}

/** The counts from the summary fold's running totals (no history read), without the learning detail. */
function fromTotals(dir: string, state: SummaryState, items: MemoryItem[], window: number): LearningSummary {
  const n = state.iterations;
  // Windows of `window` iterations, widened so at most 20 bars are drawn (a whole number of the fold's buckets).
  const width = Math.max(window, Math.ceil(n / 20));
  const w = state.bucketSize * Math.ceil(width / state.bucketSize);
  const windows: SummaryWindow[] = spans(state, w).map(({ from, to, sum }) => ({ from, to, rate: sum.ok / sum.n, valid: sum.ok, total: sum.n }));
  const context: LearningSummary['context'] = spans(state, Math.max(1, Math.ceil(n / 20))).map(({ from, to, sum }) => ({
    from,
    to,
    tokens: Math.round(sum.t / sum.n),
    budget: Math.round(sum.b / sum.n),
    promptChars: Math.round(sum.pc / sum.n),
  }));
  const ratios = [...state.ratios].sort((a, b) => a - b);
  return {
    ...countsOf(state),
    windows,
    window: w,
    filter: {},
    learning: null,
    ...itemParts(
      withoutRejected(items, (scope) => new Set(state.rejectedPlans[scope])),
      memorySize(dir),
    ),
    context,
    usage: { ...state.usage },
    tokenEstimate: ratios.length ? { samples: state.ratioCount, medianRatio: ratios[Math.floor(ratios.length / 2)]! } : null,
  };
}

/** Recalled context per iteration, averaged over at most 20 buckets. */
function contextOf(its: LogRecord[]): LearningSummary['context'] {
  const bucket = Math.max(1, Math.ceil(its.length / 20));
  const context: LearningSummary['context'] = [];
  for (let i = 0; i < its.length; i += bucket) {
    const slice = its.slice(i, i + bucket);
    const avg = (f: (r: LogRecord) => number) => Math.round(slice.reduce((s, r) => s + f(r), 0) / slice.length);
    context.push({
      from: i + 1,
      to: i + slice.length,
      tokens: avg((r) => r.context?.tokens ?? 0),
      budget: avg((r) => r.context?.budget ?? 0),
      promptChars: avg((r) => r.promptChars ?? 0),
    });
  }
  return context;
}

/** What shows the iterations improving, as the reducer reads the records. */
function learningOf(its: LogRecord[], history: History): LearningDetail {
  return {
    improvements: history.improvements,
    firstTryValid: history.firstTryValid,
    repairs: its.reduce((n, r) => n + (r.repairs ?? 0), 0),
    distinctPlans: new Set(its.map((r) => r.planId).filter((id): id is string => id !== undefined)).size,
    repeats: history.repeats,
    rejectedBefore: history.rejectedBefore,
    refutedInsights: its.reduce((n, r) => n + (r.refuted ?? 0), 0),
    champions: championTracks(history),
    converged: its.filter((r) => r.converged).map((r) => ({ session: r.session, iteration: r.iteration, reason: r.converged! })),
    claims: its.filter((r) => r.claim).map((r) => ({ session: r.session, iteration: r.iteration, verdict: r.claim!.verdict, text: r.claim!.text })),
  };
}

/**
 * The summary from the log's records (filters, and the learning detail), or from the summary fold's running totals
 * (memory.aggregate(summaryFold)): the same counts without reading the history, but no learning detail.
 */
export async function learningSummary(
  dir: string,
  source: LogRecord[] | SummaryState,
  allItems: MemoryItem[],
  opts: SummaryFilter | number = {},
): Promise<LearningSummary> {
  const filter: SummaryFilter = typeof opts === 'number' ? { window: opts } : opts;
  if (!Array.isArray(source)) return fromTotals(dir, source, allItems, filter.window ?? 10);
  const allRecords = source;
  const window = filter.window ?? 10;
  const onGoal = filter.goal ? goalFilter(allRecords, filter.goal) : () => true;
  const forks = filter.forks ?? new Map<string, ForkPoint>();
  // One session's records; a fork's line: the history before the fork point stays its parent's (by its records).
  const inScope = filter.session ? lineageRecords(lineageOf(filter.session, forks), () => allRecords) : allRecords;
  const records = inScope.filter(onGoal);
  const goals = new Set(records.map(scopeOfRecord));
  // A filter scopes the items too: those of the goals the records are about, and general ones.
  const items = filter.goal || filter.session ? allItems.filter((i) => !i.procedure || goals.has(itemScope(i))) : allItems;
  const its = records.filter((r) => r.type === 'iteration');
  const windows: SummaryWindow[] = [];
  // Windows of `window` iterations, widened so at most 20 bars are drawn.
  const w = Math.max(window, Math.ceil(its.length / 20));
  for (let i = 0; i < its.length; i += w) windows.push(windowOf(its.slice(i, i + w), i + 1));
  const context = contextOf(its);
  // The counts and usage the running fold keeps, over just these records: one definition of each total.
  const totals = summaryFold.init();
  for (const r of records) summaryFold.apply(totals, r);
  // Only single calls compare the tokenizer with the server: an iteration with repair rounds made several.
  const ratios = its
    .filter((r) => r.promptTokensEstimate && r.usage?.promptTokens && !r.repairs)
    .map((r) => r.usage!.promptTokens / r.promptTokensEstimate!)
    .sort((a, b) => a - b);
  const tokenEstimate = ratios.length ? { samples: ratios.length, medianRatio: ratios[Math.floor(ratios.length / 2)]! } : null;
  const size = memorySize(dir);
  const history = historyOf(records, forks);
  // A plan a person rejected is never shown as a goal's best, whatever memory's exemplar says.
  const standing = withoutRejected(items, (scope) => history.goals.get(scope)?.rejected);
  const out: LearningSummary = {
    ...countsOf(totals),
    windows,
    window: w,
    filter: filterOf(filter, forks, records),
    learning: learningOf(its, history),
    ...itemParts(standing, size, filter.exemplarCheck),
    context,
    usage: { ...totals.usage },
    tokenEstimate,
  };
  return out;
}

function filterOf(filter: SummaryFilter, forks: Forks, records: LogRecord[]): LearningSummary['filter'] {
  const branch = filter.session ? forks.get(filter.session) : undefined;
  const goal = filter.goal ? { goal: filter.goal, resolved: resolvedGoals(records) } : {};
  return { ...(filter.session ? { session: filter.session } : {}), ...goal, ...(branch ? { branch } : {}) };
}

/** The goals the records are about, each with the texts typed for it (first seen first). */
function resolvedGoals(records: LogRecord[]): ResolvedGoal[] {
  const goals = new Map<string, Set<string>>();
  for (const r of records) {
    const typed = goals.get(scopeOfRecord(r)) ?? new Set<string>();
    if (r.goalText) typed.add(r.goalText);
    goals.set(scopeOfRecord(r), typed);
  }
  return [...goals].map(([goal, typed]) => ({ goal, typed: [...typed] }));
}

/** The summary a checkpoint shows: this session on this goal (its records, a fork's line's, found where they are in the log). */
export async function sessionSummary(
  memory: { dir: string; records(filter: { session: string }): Promise<LogRecord[]>; items(): Promise<MemoryItem[]> },
  scope: { session: string; procedure: string; goalId: string; forks?: Forks },
): Promise<LearningSummary> {
  const forks = scope.forks ?? new Map<string, ForkPoint>();
  const records: LogRecord[] = [];
  for (const link of lineageOf(scope.session, forks)) records.push(...(await memory.records({ session: link.session })));
  return learningSummary(memory.dir, records, await memory.items(), { session: scope.session, goal: `${scope.procedure}/${scope.goalId}`, forks });
}
