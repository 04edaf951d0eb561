// Finds the actions a person's words name: by id, or by the stems of the words of an action's id and description.
// A phrase that fits two actions equally well names neither: it is marked as unclear, and no rule is read over it.
import type { ActionDef } from '../procedures/types.js';
import { PRONOUN, resolvePronouns } from './pronouns.js';

/** What the reader knows of an action: its id, and when a procedure set is at hand, its words and facts. */
export type ActionInfo = Pick<ActionDef, 'id'> & Partial<Pick<ActionDef, 'description'>>;

export interface Mention {
  /** The action named; undefined when the words fit several actions equally well. */
  action: string | undefined;
  /** Character span in the text. */
  start: number;
  end: number;
  /** Named by its verb ("assess risk", not "the risk assessment"): it starts a new phrase, not an item of a list. */
  verb?: boolean;
}

const INFLECTIONS = ['ications', 'ication', 'ations', 'ation', 'ions', 'ion', 'ments', 'ment', 'ings', 'ing', 'ers', 'er', 'ied', 'ies', 'ed', 'es', 'al', 's'];
/** Suffixes that make a noun of a verb: stripped again after an inflection ("approvals", "implementing"). */
const DERIVATIONS = ['ication', 'ation', 'ion', 'ment', 'er', 'al'];

function strip(w: string, suffixes: readonly string[]): string {
  // "assess" and "process" keep their last s.
  const s = suffixes.find((x) => w.length - x.length >= 3 && w.endsWith(x) && !(x === 's' && /[su]s$/.test(w)));
  return s ? w.slice(0, -s.length) : w;
}

/** A light stem, so "notified", "notify" and "notification" meet, and "deployer" meets "deploy". */
export function stem(word: string): string {
  let w = strip(strip(word.toLowerCase().replace(/[^a-z0-9]/g, ''), INFLECTIONS), DERIVATIONS);
  if (w.length > 3) w = w.replace(/[eyi]$/, '');
  if (w.length > 3 && /([b-df-hj-np-tv-z])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Words that relate or join phrases: a phrase naming one action never spans them (and no action is named by them). */
const BREAK = new Set(
  "before after without until unless then first and or but by not never no nor than different same while once right immediately directly just followed follow follows prior ahead both also who whoever which when if because so as instead later too don't doesn't shouldn't mustn't cannot can't won't isn't aren't wasn't".split(
    ' ',
  ),
);
/** The words rules are said with ("skip", "include"): never an action's word, even when a description uses one. */
const RULE_VERBS = new Set(
  'skip remove drop omit delete avoid include add keep require need ensure forbid ban allow exclude bother record attach'.split(' ').map(stem),
);
const breaks = (t: { word: string; stem: string }) => BREAK.has(t.word) || RULE_VERBS.has(t.stem);
/** Words a phrase may contain between the words that name an action ("the HR roster has to be extracted"). */
const FILLER = new Set(
  'the a an of to for in on at with from is are be been being has have had should must shall will would can may always only its their our this that these those every each all any'.split(
    ' ',
  ),
);
/** Too common to name an action. */
const GENERIC = new Set(['plan', 'step', 'do', 'make', 'get', 'use', 'it', 'one', 'them', 'thing', 'new', 'per'].map(stem));
const ARTICLE = /^(?:the|a|an|this|that|these|those|its|their|our|every|each|any)$/i;

interface Token {
  word: string;
  stem: string;
  start: number;
  end: number;
}

function tokenize(text: string): Token[] {
  return [...text.matchAll(/[a-z0-9]+(?:'[a-z]+)?/gi)].map((m) => ({ word: m[0].toLowerCase(), stem: stem(m[0]), start: m.index, end: m.index + m[0].length }));
}

/** An action's words with their weight: an id word counts more than a description word. */
interface Vocabulary {
  action: string;
  head: string;
  id: Set<string>;
  description: Set<string>;
}

const contentStems = (text: string) =>
  tokenize(text)
    .filter((t) => !breaks(t))
    .map((t) => t.stem)
    .filter((s) => s.length > 1 && !FILLER.has(s) && !GENERIC.has(s));

function vocabularyOf(a: ActionInfo): Vocabulary {
  const id = contentStems(a.id.replace(/[-_.]/g, ' '));
  return { action: a.id, head: id[0] ?? '', id: new Set(id), description: new Set(contentStems(a.description ?? '')) };
}

/**
 * How well the tokens [from, to] name the action: every content word must be one of its words, and one word of its
 * description alone names nothing ("risky" is not open-change-ticket for its "scope and its risk", "a day" not the
 * rollout "over two days"): a word of its id, or two of its description ("the smoke tests"), does.
 */
function spanScore(v: Vocabulary, tokens: Token[], from: number, to: number): number {
  let score = 0;
  let named = false;
  for (let k = from; k <= to; k++) {
    const t = tokens[k]!;
    if (FILLER.has(t.word) && k > from && k < to) continue;
    // An id's first word used as a verb ("approving", not "the approval") is the action itself.
    const asVerb = usedAsVerb(v, tokens, k);
    const w = v.id.has(t.stem) ? (asVerb ? 2.5 : 2) : v.description.has(t.stem) ? 1 : 0;
    if (w === 0) return 0;
    if (w > 1) named = true;
    score += w;
  }
  return named || score >= 2 ? score : 0;
}

const usedAsVerb = (v: Vocabulary, tokens: Token[], k: number) => tokens[k]!.stem === v.head && !(k > 0 && ARTICLE.test(tokens[k - 1]!.word));

interface Best {
  from: number;
  to: number;
  score: number;
  actions: string[];
}

/** The best-scoring span in tokens[lo..hi], with every action that scores it (several: the words are unclear). */
function bestSpan(vocab: Vocabulary[], tokens: Token[], lo: number, hi: number, forbidden: ReadonlySet<string>, fields: ReadonlySet<string>): Best | undefined {
  let best: Best | undefined;
  for (let from = lo; from <= hi; from++) {
    for (let to = from; to <= hi && to < from + 8; to++) {
      // "evidence" alone is the step field, not file-evidence ("file the evidence" is the action).
      if (tokens.slice(from, to + 1).every((t) => fields.has(t.stem))) continue;
      for (const v of vocab) {
        const score = spanScore(v, tokens, from, to);
        if (score === 0 || (best && score < best.score)) continue;
        if (best && score === best.score && best.from === from && best.to === to) best.actions.push(v.action);
        else if (!best || score > best.score) best = { from, to, score, actions: [v.action] };
      }
    }
  }
  // A procedure's forbidden action loses a tie to an allowed one ("approving" is not the self-approval).
  if (best && best.actions.length > 1 && best.actions.some((a) => !forbidden.has(a))) best.actions = best.actions.filter((a) => !forbidden.has(a));
  return best;
}

/** Runs of tokens a phrase can span: broken by punctuation, relation words and tokens already claimed. */
function runsOf(text: string, tokens: Token[], used: boolean[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  tokens.forEach((t, k) => {
    const joined = k > 0 && start >= 0 && /^[\s-]*$/.test(text.slice(tokens[k - 1]!.end, t.start));
    const open = !used[k] && !breaks(t);
    if (open && joined) return;
    if (start >= 0) runs.push([start, k - 1]);
    start = open ? k : -1;
  });
  if (start >= 0) runs.push([start, tokens.length - 1]);
  return runs;
}

/** A verb between a modal and an order word ("must run before", "should happen after"): it is claimed, naming nothing. */
const ORDER_VERB =
  /(?<=\b(?:must|should|shall|will|to|can|may|cannot|can't|always)\s+)(?:run|happen|occur|execute|come|go|take place)(?=\s+(?:before|after|first|last|prior|ahead)\b)/gi;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Claims the tokens inside every match of `re` (ids, role names). */
function claimMatches(text: string, tokens: Token[], used: boolean[], re: RegExp, onMatch?: (from: number, to: number) => void): void {
  for (const m of text.matchAll(re)) {
    const span = tokens.flatMap((t, k) => (t.start >= m.index && t.end <= m.index + m[0].length && !used[k] ? [k] : []));
    if (!span.length) continue;
    for (const k of span) used[k] = true;
    onMatch?.(span[0]!, span.at(-1)!);
  }
}

/**
 * Every action named in `text`, in order: exact ids first (with hyphens or spaces), then the phrase that fits one
 * action best by the words of its id and description; a phrase that fits several equally is an unclear mention.
 * Role names ("the release manager") name an owner, never an action.
 */
export function findMentions(
  text: string,
  actions: ActionInfo[],
  forbidden: ReadonlySet<string> = new Set(),
  roles: readonly string[] = [],
  fields: readonly string[] = [],
): Mention[] {
  const fieldStems = new Set(fields.map(stem));
  const tokens = tokenize(text);
  const used = new Array<boolean>(tokens.length).fill(false);
  const found: Mention[] = [];
  const claim =
    (action: string | undefined, verb = false) =>
    (from: number, to: number) =>
      found.push({ action, start: tokens[from]!.start, end: tokens[to]!.end, ...(verb ? { verb } : {}) });
  const word = (form: string) => new RegExp(`(?<![a-z0-9-])${escapeRegex(form).replace(/-/g, '[\\s-]')}(?![a-z0-9-])`, 'gi');
  for (const role of roles) claimMatches(text, tokens, used, word(role));
  // "the scan must run before the tests": the verb of an order names no action (not run-tests), whatever its words.
  claimMatches(text, tokens, used, ORDER_VERB);
  const vocab = actions.map(vocabularyOf);
  for (const v of [...vocab].sort((x, y) => y.action.length - x.action.length)) {
    // "assess risk" written as words is a verb phrase like any other; "assess-risk" is a name.
    const asWords = (from: number, to: number) => !text.slice(tokens[from]!.start, tokens[to]!.end).includes('-') && usedAsVerb(v, tokens, from);
    claimMatches(text, tokens, used, word(v.action), (from, to) => claim(v.action, asWords(from, to))(from, to));
  }
  for (let guard = 0; guard < tokens.length; guard++) {
    const spans = runsOf(text, tokens, used)
      .map(([lo, hi]) => bestSpan(vocab, tokens, lo, hi, forbidden, fieldStems))
      .filter((b): b is Best => b !== undefined);
    if (!spans.length) break;
    for (const b of spans) {
      for (let k = b.from; k <= b.to; k++) used[k] = true;
      const only = b.actions.length === 1 ? vocab.find((v) => v.action === b.actions[0]) : undefined;
      claim(only?.action, only !== undefined && usedAsVerb(only, tokens, b.from))(b.from, b.to);
    }
  }
  found.sort((x, y) => x.start - y.start);
  return resolvePronouns(
    text,
    mergeRepeats(text, found),
    tokens.filter((t, k) => !used[k] && PRONOUN.test(t.word)),
  );
}

/** "approve the release" may be read as two spans of one action: one mention. */
function mergeRepeats(text: string, found: Mention[]): Mention[] {
  const merged: Mention[] = [];
  for (const m of found) {
    const last = merged.at(-1);
    if (last?.action && last.action === m.action && /^[\s-]*(?:(?:the|a|an|of|to|for)\s+)*$/i.test(text.slice(last.end, m.start))) last.end = m.end;
    else merged.push({ ...m });
  }
  return merged;
}

/** The text with every mention replaced by `«action-id»` (`«^action-id»` when named by its verb, `«?»` when unclear). */
export function markMentions(text: string, mentions: Mention[]): string {
  let out = '';
  let pos = 0;
  for (const m of mentions) {
    out += `${text.slice(pos, m.start)}«${m.verb ? '^' : ''}${m.action ?? '?'}»`;
    pos = m.end;
  }
  return out + text.slice(pos);
}
