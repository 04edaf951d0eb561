// The deterministic feedback reader: a rejection reason becomes the rules it states, in kinds the validator checks.
import type { FeedbackReader, FeedbackReading } from './types.js';
import type { PlanTarget } from '../procedures/types.js';
import { findMentions, markMentions, type ActionInfo } from './mentions.js';
import { humanRule, humanRuleId, ruleLine, type RuleBody } from './rule-text.js';

interface ReadOptions {
  /** Actions the procedure forbids: a word several actions share prefers the allowed ones. */
  forbidden?: ReadonlySet<string>;
  /** Owner roles the procedure knows: "the release manager" becomes `release-manager`. */
  roles?: readonly string[];
}

const M = '«[^»]+»';
const LIST = `(${M}(?:(?:\\s*,\\s*(?:and\\s+|or\\s+)?|\\s+(?:and|or)\\s+)(?:the\\s+)?${M})*)`;
/** A few words that name no action. */
const W = '(?:\\s+[^\\s«»]+){0,6}?';
const WORD = '(?:[^\\s«»]+\\s+)?';
const ART = '(?:(?:the|a|an|any|every|each|our)\\s+)?';
const NEG = "(?:not|never|cannot|can'?t|mustn'?t|shouldn'?t|won'?t|don'?t|doesn'?t|isn'?t)";
const NEG_RE = new RegExp(`\\b${NEG}\\b|\\bno\\b`, 'i');
const STOP =
  '(?:and|or|before|after|not|but|if|when|because|since|so|then|first|only|instead|always|please|from|now|too|as|in|on|at|for|with|must|should|has|have|shall|needs?|will|may|can|is|are|be|to|who|the|this|that|every|each|going|forward|from)';
const OWNER = `([A-Za-z][\\w.&'-]*(?:\\s+(?!${STOP}\\b)[A-Za-z][\\w.&'-]*){0,3})`;
const NUM = '(\\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)';
const NUMBERS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];

const re = (source: string) => new RegExp(source, 'gi');
const ids = (list: string | undefined) => [...(list ?? '').matchAll(/«([^»]+)»/g)].map((m) => m[1]!);
const pairs = (as: string[], bs: string[]) => as.flatMap((a) => bs.filter((b) => b !== a).map((b) => [a, b] as const));
const ordering = (before: string, after: string): RuleBody => ({ kind: 'ordering', before, after });

interface Relation {
  re: RegExp;
  /** Positive forms are skipped when a negation sits inside them (the negative forms did not understand it). */
  positive: boolean;
  read: (m: RegExpExecArray) => RuleBody[];
}

/** Two-action relations, negated forms first: "no A without B" and "never A before B" order B first, they forbid nothing. */
const RELATIONS: Relation[] = [
  {
    re: re(
      `\\b(?:no|never|not|don'?t|do not|must not|should not|cannot|can'?t)\\s+(?:ever\\s+)?${WORD}${LIST}${W}\\s+(without|until|unless|before|prior to|ahead of)\\s+(?:first\\s+)?${WORD}${ART}${LIST}`,
    ),
    positive: false,
    read: (m) =>
      pairs(ids(m[3]), ids(m[1])).flatMap(([b, a]) => [ordering(b, a), ...(/without|unless/i.test(m[2]!) ? [{ kind: 'required' as const, action: b }] : [])]),
  },
  {
    re: re(`${LIST}${W}\\s+${NEG}(?:\\s+[^\\s«»]+){0,3}?\\s+(without|until|unless|before|prior to|ahead of)\\s+(?:first\\s+)?${WORD}${ART}${LIST}`),
    positive: false,
    read: (m) =>
      pairs(ids(m[3]), ids(m[1])).flatMap(([b, a]) => [ordering(b, a), ...(/without|unless/i.test(m[2]!) ? [{ kind: 'required' as const, action: b }] : [])]),
  },
  {
    re: re(`${LIST}${W}\\s+(?:right|immediately|directly|just|straight)\\s+after\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ({ kind: 'immediately-after', action: a, after: b })),
  },
  {
    re: re(`${LIST}${W}\\s+(?:right|immediately|directly|just)\\s+before\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ({ kind: 'immediately-after', action: b, after: a })),
  },
  {
    re: re(`${LIST}${W}\\s+(?:immediately|directly|right)\\s+followed\\s+by\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ({ kind: 'immediately-after', action: b, after: a })),
  },
  {
    re: re(`${LIST}${W}\\s+(?:before|prior to|ahead of|earlier than|preceding)\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ordering(a, b)),
  },
  { re: re(`${LIST}${W}\\s+(?:only\\s+)?after\\s+${ART}${LIST}`), positive: true, read: (m) => pairs(ids(m[2]), ids(m[1])).map(([b, a]) => ordering(b, a)) },
  {
    re: re(`${LIST}\\s*,?\\s*(?:and\\s+)?then\\s+${WORD}${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ordering(a, b)),
  },
  {
    re: re(`${LIST}${W}\\s+(?:requires|needs|depends on|must follow|should follow|follows|waits for)\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[2]), ids(m[1])).map(([b, a]) => ordering(b, a)),
  },
  { re: re(`${LIST}${W}\\s+followed\\s+by\\s+${ART}${LIST}`), positive: true, read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ordering(a, b)) },
];

const SEGREGATION =
  /\b(?:different|separate|segregat\w*|someone else|somebody else|another person|not be the same|never be the same|not the same|nobody|no one|never both|two people)\b/i;

const OWNERS: { re: RegExp; action: number; owner: number }[] = [
  { re: re(`(?:name|make|assign|set|use)\\s+${ART}${OWNER}\\s+(?:as|to be)\\s+(?:the\\s+)?${LIST}(?:'s)?\\s+(?:owner|assignee)`), action: 2, owner: 1 },
  { re: re(`(?:owner|assignee)\\s+(?:of|for)\\s+${ART}${LIST}\\s+(?:is|must be|should be|has to be|=|:)\\s*${ART}${OWNER}`), action: 1, owner: 2 },
  { re: re(`${LIST}(?:'s)?\\s+(?:owner|assignee)\\s+(?:is|must be|should be|has to be|=|:)\\s*${ART}${OWNER}`), action: 1, owner: 2 },
  { re: re(`(?:assign|give|hand)\\s+${ART}${LIST}\\s+to\\s+${ART}${OWNER}`), action: 1, owner: 2 },
  { re: re(`${LIST}${W}\\s+by\\s+${ART}${OWNER}`), action: 1, owner: 2 },
  {
    re: re(
      `^\\s*(?:only\\s+)?${ART}${OWNER}\\s+(?:must|should|has to|shall|needs to|will|alone)\\s+(?:always\\s+|only\\s+)?(?:(?:do|own|perform|run|handle|execute|carry out|give|make)\\s+)?${ART}${LIST}`,
    ),
    action: 2,
    owner: 1,
  },
];
const NOT_AN_OWNER =
  /^(?:me|us|him|her|them|it|myself|someone|somebody|anyone|anybody|nobody|people|person|different|another|other|others|same|hand|default)\b/i;

const REQUIRED = [
  re(
    `\\b(?:never|don'?t|do not|must not|should not|mustn'?t|shouldn'?t|cannot|can'?t|not)\\s+(?:ever\\s+)?(?:skip|remove|drop|omit|forget(?:\\s+to\\s+\\w+)?|leave out|miss|lose|delete|cut|forgo)\\s+${ART}${LIST}`,
  ),
  re(
    `(?<!\\b(?:not|never|n't)\\s+)\\b(?:add|include|require|keep|reinstate|restore|always(?:\\s+[^\\s«»]+)?|must\\s+(?:have|include|contain)|should\\s+(?:have|include|contain)|needs?|missing|forgot(?:ten)?)\\s+(?:back\\s+)?${ART}${LIST}`,
  ),
  re(`${LIST}\\s+(?:is|are)\\s+(?:always\\s+)?(?:required|mandatory|missing|needed|necessary|compulsory|essential|a must|non-negotiable)`),
  re(
    `${LIST}\\s+(?:must|should|has to|have to|needs? to|shall)\\s+(?:always\\s+)?(?:be\\s+)?(?:included|present|in the plan|part of (?:the|every) plan|there|done|run|performed|happen)\\s*$`,
  ),
];
const FORBIDDEN = [
  re(
    `(?<!\\b(?:not|never|n't)\\s+)\\b(?:remove|drop|delete|avoid|omit|skip|exclude|ban|forbid|disallow|eliminate|cut|get rid of|stop using|stop doing|take out|leave out|don'?t use|do not use|never use|never do|don'?t do|do not do|no need for|no more|no|never|don'?t|do not)\\s+(?:ever\\s+|again\\s+)?${ART}${LIST}`,
  ),
  re(
    `${LIST}\\s+(?:is|are)\\s+(?:not needed|unnecessary|not necessary|forbidden|not allowed|banned|redundant|pointless|not required|superfluous|prohibited|useless|obsolete)`,
  ),
  re(
    `${LIST}\\s+(?:(?:must|should|may|can|shall)\\s*(?:not|never)|cannot|can'?t|mustn'?t|shouldn'?t)\\s+(?:be\\s+)?(?:used|included|in the plan|part of the plan|run|done|happen|appear)?\\s*$`,
  ),
];
const MAX_STEPS: { re: RegExp; less: number }[] = [
  {
    re: re(
      `\\b(?:at most|no more than|not more than|maximum of|max(?:imum)?(?: of)?|up to|within|limit (?:it |the plan )?to|cap (?:it |the plan )?at)\\s+${NUM}\\s+steps?\\b`,
    ),
    less: 0,
  },
  { re: re(`\\b(?:under|fewer than|less than|below|shorter than)\\s+${NUM}\\s+steps?\\b`), less: 1 },
  { re: re(`\\b${NUM}\\s+steps?\\s+(?:or (?:fewer|less)|at most|max(?:imum)?|tops)\\b`), less: 0 },
];

/** Sentences and clauses that stand on their own ("..., because ..." explains; it adds no rule of its own). */
function clausesOf(text: string): string[] {
  return text
    .replace(/[’‘]/g, "'")
    .split(/[.!?](?=\s|$)|[;\n]+|,\s*(?:but|because|since|as|so)\s+|\s+but\s+/i)
    .map((c) => c.trim())
    .filter(Boolean);
}

function ownerName(raw: string, roles: readonly string[]): string | undefined {
  const name = raw.trim().replace(/['’]s$/, '');
  if (!name || NOT_AN_OWNER.test(name)) return undefined;
  const role = roles.find((r) => r.toLowerCase() === name.toLowerCase().replace(/[\s_]+/g, '-'));
  return role ?? name;
}

/** ", and X is forbidden" starts a new statement about X: it is not the end of a list. */
const NEW_SUBJECT = /,\s*(?:and\s+|while\s+)?(?=«[^»]+»\s+(?:is|are|must|should|can|cannot|may|has|have|was|were|will|shall|needs?)\b)/i;

function readClause(raw: string, actions: ActionInfo[], opts: ReadOptions): RuleBody[] {
  // The marks are ours: a person's « » must not pass for a mention of an action.
  const clause = raw.replace(/[«»]/g, '"');
  // `never use "deploy-directly"`: quotes and backticks around an id are not words between the verb and the action.
  const marked = markMentions(clause, findMentions(clause, actions, opts.forbidden, opts.roles)).replace(/(["'`])(«[^»]+»)\1/g, '$2');
  return marked.split(NEW_SUBJECT).flatMap((part) => readMarked(part, opts));
}

function readMarked(marked: string, opts: ReadOptions): RuleBody[] {
  const out: RuleBody[] = [];
  for (const ms of MAX_STEPS) {
    for (const m of marked.matchAll(ms.re)) {
      const raw = m[1]!.toLowerCase();
      const n = /^\d+$/.test(raw) ? Number(raw) : NUMBERS.indexOf(raw);
      if (n - ms.less >= 1) out.push({ kind: 'max-steps', max: n - ms.less });
    }
  }
  const named = [...new Set(ids(marked))];
  if (named.length === 0) return out;

  // Spans a relation already read: a weaker form over the same words must not read them again.
  const taken: [number, number][] = [];
  const free = (m: RegExpExecArray) => !taken.some(([s, e]) => m.index < e && s < m.index + m[0].length);
  const relational: RuleBody[] = [];
  if (named.length === 2 && SEGREGATION.test(marked)) {
    relational.push({ kind: 'segregation', actions: [named[0]!, named[1]!] });
    taken.push([0, marked.length]);
  }
  for (const rel of RELATIONS) {
    for (const m of marked.matchAll(rel.re)) {
      if (!free(m) || (rel.positive && NEG_RE.test(m[0].replace(/«[^»]+»/g, '')))) continue;
      relational.push(...rel.read(m));
      taken.push([m.index, m.index + m[0].length]);
    }
  }
  for (const form of OWNERS) {
    for (const m of marked.matchAll(form.re)) {
      if (!free(m)) continue;
      const owner = ownerName(m[form.owner]!, opts.roles ?? []);
      if (!owner) continue;
      relational.push(...ids(m[form.action]).map((action): RuleBody => ({ kind: 'owner', action, owner })));
      taken.push([m.index, m.index + m[0].length]);
    }
  }
  const required = new Set(REQUIRED.flatMap((r) => [...marked.matchAll(r)].flatMap((m) => ids(m[1]))));
  // "No X without Y" and "never X before Y" name X under a negation: X is ordered, not forbidden.
  const related = new Set(
    relational.flatMap((r) =>
      'actions' in r ? r.actions : 'before' in r ? [r.before, r.after] : 'after' in r ? [r.action, r.after] : 'action' in r ? [r.action] : [],
    ),
  );
  const forbidden = new Set(FORBIDDEN.flatMap((r) => [...marked.matchAll(r)].flatMap((m) => ids(m[1]))).filter((a) => !related.has(a) && !required.has(a)));
  return [
    ...out,
    ...relational,
    ...[...required].map((action): RuleBody => ({ kind: 'required', action })),
    ...[...forbidden].map((action): RuleBody => ({ kind: 'forbidden', action })),
  ];
}

const MAX_READ = 2000;

/** The rules `text` states about `actions` (its first 2,000 characters), each once, in the order they were read. */
export function readRuleBodies(text: string, actions: ActionInfo[], opts: ReadOptions = {}): RuleBody[] {
  const seen = new Set<string>();
  const out: RuleBody[] = [];
  // A reason is a sentence or a few; past this the text is kept as prose, not read (the reader is not linear).
  for (const clause of clausesOf(text.slice(0, MAX_READ))) {
    for (const body of readClause(clause, actions, opts)) {
      const id = humanRuleId(body);
      if (!seen.has(id)) {
        seen.add(id);
        out.push(body);
      }
    }
  }
  return out;
}

/** Reads a rejection reason into human rules for `target`; nothing readable gives no constraints (the text stays prose). */
export function readFeedback(text: string, target: PlanTarget): FeedbackReading {
  const forbidden = new Set(target.set.rules.flatMap((r) => (r.kind === 'forbidden' && r.origin !== 'human' ? [r.action] : [])));
  const roles = [...new Set(target.set.actions.flatMap((a) => (a.role ? [a.role] : [])))];
  const constraints = readRuleBodies(text, target.set.actions, { forbidden, roles }).map((body) => humanRule(body, text));
  return { text, constraints, lines: constraints.map(ruleLine), by: 'rules' };
}

/** The reader used when no model is configured (and the fallback of the model reader). */
export class RulesFeedbackReader implements FeedbackReader {
  async read(text: string, target: PlanTarget): Promise<FeedbackReading> {
    return readFeedback(text, target);
  }
}
