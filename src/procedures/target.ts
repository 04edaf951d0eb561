// Picks the procedure set and goal a free-text goal (or an explicit "set/goal") is checked against, and says how sure it is.
import { UsageError } from '../core/errors.js';
import type { GoalDef, PlanTarget, ProcedureLibrary, ProcedureSet } from './types.js';

/**
 * Words that say nothing about which procedure applies: articles, pronouns, and the generic verbs and nouns of
 * planning itself ("Optimize Project Jupiter", "Long-term planning" name no procedure at all).
 */
const STOP = new Set(
  `a an the of to for and or but our your their my we us you it its is are be been this that these those from into onto
  in on at by with without via per as up out over off about all any some each every new old next first last
  plan plans planning planned project projects programme program do doing done make making get set let go going need
  needs want please help start begin run running work task tasks thing things stuff way
  long short term mid medium high low optimize optimise optimizing optimising optimization optimisation improve
  improving better best good great big small quick quickly asap soon now today tomorrow week month year
  complete implement implementing prepare manage managing handle handling process system systems`.split(/\s+/),
);

/** A light stemmer: "deploying", "deployed", "deployment" meet "deploy"; "releases" meets "release". */
export function stem(word: string): string {
  let w = word;
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 6 && /ments?$/.test(w)) w = w.replace(/ments?$/, '');
  else if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  // "shipping" → "shipp" → "ship"; "release" and "releas(ed)" → "releas".
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ss|ll)$/.test(w)) w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/** The meaningful words of a text: lower-case, no stop words, no version numbers or single letters. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !/\d/.test(w) && !STOP.has(w));
}

/** How one procedure goal matches a text. */
export interface GoalMatch extends PlanTarget {
  /** Keyword hits count double: the procedure's author chose them. */
  score: number;
  /** The text's own words that matched, in the order written. */
  matched: string[];
  /** Share of the text's meaningful words that matched (0..1). */
  coverage: number;
  /** Whether any of the goal's declared keywords matched (not only words of its description). */
  keywordHit: boolean;
  /** How many distinct words of the text the goal's declared keywords matched. */
  keywordWords: number;
}

/**
 * `strong`: one goal clearly fits (declared keywords covering at least half the text's meaningful words, or three
 * of them; no close rival).
 * `weak`: the best goal matches only a minor part of the text. `close`: two goals match about equally.
 * `none`: no meaningful word of the text appears in any goal.
 */
export type MatchStrength = 'strong' | 'weak' | 'close' | 'none';

export interface GoalRanking {
  text: string;
  /** The text's meaningful words (what matching looked at). */
  meaningful: string[];
  /** Goals with at least one matched word, best first. */
  candidates: GoalMatch[];
  strength: MatchStrength;
}

/** Every word of a text, lower-case and stemmed, stop words kept (a phrase is matched word by word, in order). */
const tokens = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map(stem);

/**
 * A declared keyword: its meaningful words, and (when it holds a word the stop list drops: "roll out", "sign off")
 * the whole phrase, which then must appear as written: "roll back" is not "roll out".
 */
interface Keyword {
  words: string[];
  phrase?: string[];
}

function vocabulary(set: ProcedureSet, goal: GoalDef): { keywords: Keyword[]; other: Set<string> } {
  const keywords = goal.keywords
    .map((k): Keyword => {
      const meaningful = words(k).map(stem);
      const all = tokens(k);
      return all.length > meaningful.length && all.length > 1 ? { words: meaningful, phrase: all } : { words: meaningful };
    })
    .filter((k) => k.words.length > 0);
  const other = new Set(words(`${goal.id} ${goal.description} ${set.name} ${set.id}`).map(stem));
  return { keywords, other };
}

/** Whether `phrase` appears in `text` word after word. */
function contains(text: readonly string[], phrase: readonly string[]): boolean {
  for (let i = 0; i + phrase.length <= text.length; i++) if (phrase.every((w, j) => text[i + j] === w)) return true;
  return false;
}

function matchOne(set: ProcedureSet, goal: GoalDef, textWords: string[], textTokens: string[]): GoalMatch {
  const stems = textWords.map(stem);
  const present = new Set(stems);
  const { keywords, other } = vocabulary(set, goal);
  const byKeyword = new Set<string>();
  for (const kw of keywords) if (kw.phrase ? contains(textTokens, kw.phrase) : kw.words.every((k) => present.has(k))) kw.words.forEach((k) => byKeyword.add(k));
  const byOther = new Set([...present].filter((s) => other.has(s) && !byKeyword.has(s)));
  const matched = textWords.filter((_, i) => byKeyword.has(stems[i]!) || byOther.has(stems[i]!));
  const hitStems = new Set([...byKeyword, ...byOther]);
  return {
    set,
    goal,
    score: 2 * byKeyword.size + byOther.size,
    matched: [...new Set(matched)],
    coverage: present.size === 0 ? 0 : hitStems.size / present.size,
    keywordHit: byKeyword.size > 0,
    keywordWords: byKeyword.size,
  };
}

/** Every goal of the library ranked against the text, with a verdict on how far the best one can be trusted. */
export function rankGoals(library: ProcedureLibrary, text: string): GoalRanking {
  const meaningful = [...new Set(words(text))];
  const all = tokens(text);
  const candidates = library.sets
    .flatMap((set) => set.goals.map((goal) => matchOne(set, goal, meaningful, all)))
    .filter((m) => m.score > 0)
    .sort((a, b) => b.score - a.score || b.coverage - a.coverage);
  const [best, second] = candidates;
  let strength: MatchStrength;
  if (!best) strength = 'none';
  // Three declared keywords are evidence enough even in a long goal ("Apply the March security patches to the
  // payment database servers"); fewer must cover at least half of what the person wrote.
  else if (!best.keywordHit || (best.coverage < 0.5 && best.keywordWords < 3)) strength = 'weak';
  // A rival within one description word of the best is too close to pick silently.
  else if (second && second.score >= best.score - 1) strength = 'close';
  else strength = 'strong';
  return { text, meaningful, candidates, strength };
}

/** "matched: deploy, production" — why a goal was chosen, in the person's own words. */
export function matchReason(m: GoalMatch): string {
  return m.matched.length ? `matched: ${m.matched.join(', ')}` : 'chosen by name';
}

export const targetName = (t: PlanTarget): string => `${t.set.id}/${t.goal.id}`;

/** Resolves "set" or "set/goal" exactly. */
export function findTarget(library: ProcedureLibrary, spec: string): PlanTarget {
  const [setId, goalId] = spec.split('/', 2);
  const set = library.sets.find((s) => s.id === setId);
  if (!set) throw new UsageError(`--procedure: no procedure set "${setId}" (have ${library.sets.map((s) => s.id).join(', ')})`);
  const goal = goalId ? set.goals.find((g) => g.id === goalId) : set.goals[0];
  if (!goal) throw new UsageError(`--procedure: ${set.id} has no goal "${goalId}" (have ${set.goals.map((g) => g.id).join(', ')})`);
  return { set, goal };
}

/** What a person decided when asked about a doubtful match. */
export type TargetChoice = { kind: 'use'; target: PlanTarget } | { kind: 'new' } | { kind: 'cancel' };

/** Asks a person about a doubtful match (the CLI supplies a terminal prompt; tests a script). One call, one question. */
export type AskTarget = (ranking: GoalRanking, all: PlanTarget[]) => Promise<TargetChoice>;

/** The outcome of resolving a goal text: a target with the reason it was chosen, or a request to draft procedures. */
export type Resolution = { kind: 'target'; target: PlanTarget; reason: string } | { kind: 'new' };

function allTargets(library: ProcedureLibrary): PlanTarget[] {
  return library.sets.flatMap((set) => set.goals.map((goal) => ({ set, goal })));
}

function refusal(ranking: GoalRanking, library: ProcedureLibrary): string {
  const shown = ranking.candidates.slice(0, 5).map((c) => `${targetName(c)} (${matchReason(c)})`);
  const quoted = `"${ranking.text}"`;
  const why =
    ranking.strength === 'none'
      ? `no procedure goal matches ${quoted}`
      : ranking.strength === 'close'
        ? `${quoted} matches ${shown.length} procedure goals about equally`
        : `${quoted} matches procedure goals only weakly`;
  const list = shown.length ? `candidates: ${shown.join('; ')}` : `goals: ${allTargets(library).map(targetName).join(', ')}`;
  return `${why} (${list}): name one with --procedure <set>/<goal>, or draft procedures with \`jupiter procedures new ${JSON.stringify(ranking.text)}\``;
}

/**
 * Decides which procedure goal a free-text goal means. A strong match is used with its reason; a weak, close or
 * absent match is never taken silently: `ask` (a person at a terminal) decides, and without `ask` (unattended)
 * it is refused with the candidates (exit 2).
 */
export async function resolveTarget(library: ProcedureLibrary, text: string, ask?: AskTarget): Promise<Resolution> {
  const ranking = rankGoals(library, text);
  const best = ranking.candidates[0];
  if (ranking.strength === 'strong' && best) return { kind: 'target', target: { set: best.set, goal: best.goal }, reason: matchReason(best) };
  if (!ask) throw new UsageError(refusal(ranking, library));
  const choice = await ask(ranking, allTargets(library));
  if (choice.kind === 'new') return { kind: 'new' };
  if (choice.kind === 'cancel') throw new UsageError(`no procedure goal chosen for "${text}"`);
  const m = ranking.candidates.find((c) => c.set === choice.target.set && c.goal === choice.target.goal);
  return { kind: 'target', target: choice.target, reason: m ? `${matchReason(m)}; confirmed by you` : 'chosen by you' };
}

/** The best strong match for a text, or undefined (for callers that must not ask, e.g. a plan file's title). */
export function strongMatch(library: ProcedureLibrary, text: string): PlanTarget | undefined {
  const ranking = rankGoals(library, text);
  const best = ranking.candidates[0];
  return ranking.strength === 'strong' && best ? { set: best.set, goal: best.goal } : undefined;
}
