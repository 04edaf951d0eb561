// The phrasings the offline reader knows, over text whose actions are marked `«id»` (an unclear phrase is `«?»`).
import type { RuleBody } from './rule-text.js';

/** A clear mention; `«?»` is not one, and no form reads across it. */
const M = '«\\^?[a-z0-9][^»]*»';
/** An action named by its verb after "and" starts a new phrase ("drop A and assess B"): it is no item of the list. */
const ITEM = '«[a-z0-9][^»]*»';
const LIST = `(${M}(?:(?:\\s*,\\s*(?:and\\s+|or\\s+)?|\\s+(?:and|or)\\s+)(?:the\\s+)?${ITEM})*)`;
/** A few words that name no action. */
const W = '(?:\\s+[^\\s«»]+){0,6}?';
const WORD = '(?:[^\\s«»]+\\s+)?';
const ART = '(?:(?:the|a|an|any|every|each|our|its|their)\\s+)?';
const NEG = "(?:not|never|cannot|can'?t|mustn'?t|shouldn'?t|won'?t|don'?t|doesn'?t|isn'?t)";
export const NEG_RE = new RegExp(`\\b${NEG}\\b|\\bno\\b`, 'i');
const STOP =
  '(?:and|or|before|after|not|but|if|when|because|since|so|then|first|only|instead|always|please|from|now|too|as|in|on|at|for|with|must|should|has|have|shall|needs?|will|may|can|is|are|be|to|who|the|this|that|every|each|going|forward|from|handle|do|own)';
const OWNER = `([A-Za-z][\\w.&'-]*(?:\\s+(?!${STOP}\\b)[A-Za-z][\\w.&'-]*){0,3})`;
const NUM = '(\\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)';
export const NUMBERS =
  'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'.split(' ');

const re = (source: string) => new RegExp(source, 'gi');
export const ids = (list: string | undefined) => [...(list ?? '').matchAll(/«\^?([a-z0-9][^»]*)»/g)].map((m) => m[1]!);
const pairs = (as: string[], bs: string[]) => as.flatMap((a) => bs.filter((b) => b !== a).map((b) => [a, b] as const));
const ordering = (before: string, after: string): RuleBody => ({ kind: 'ordering', before, after });

export interface Relation {
  re: RegExp;
  /** Positive forms are skipped when a negation sits inside them (the negative forms did not understand it). */
  positive: boolean;
  read: (m: RegExpExecArray) => RuleBody[];
}

const orderedUnless = (m: RegExpExecArray) =>
  pairs(ids(m[3]), ids(m[1])).flatMap(([b, a]) => [ordering(b, a), ...(/without|unless/i.test(m[2]!) ? [{ kind: 'required' as const, action: b }] : [])]);
const immediately = (action: string, after: string): RuleBody => ({ kind: 'immediately-after', action, after });

/** Two-action relations, negated forms first: "no A without B" and "never A before B" order B first, they forbid nothing. */
export const RELATIONS: Relation[] = [
  {
    re: re(
      `\\b(?:no|never|not|don'?t|do not|must not|should not|cannot|can'?t)\\s+(?:ever\\s+)?${WORD}${LIST}${W}\\s+(without|until|unless|before|prior to|ahead of)\\s+(?:first\\s+)?${WORD}${ART}${LIST}`,
    ),
    positive: false,
    read: orderedUnless,
  },
  {
    re: re(`${LIST}${W}\\s+${NEG}(?:\\s+[^\\s«»]+){0,3}?\\s+(without|until|unless|before|prior to|ahead of)\\s+(?:first\\s+)?${WORD}${ART}${LIST}`),
    positive: false,
    read: orderedUnless,
  },
  {
    re: re(`${LIST}${W}\\s+(?:right|immediately|directly|just|straight)\\s+after\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => immediately(a, b)),
  },
  {
    re: re(`${LIST}${W}\\s+(?:right|immediately|directly|straight)\\s+(?:follows?|succeeds?|comes? after)\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => immediately(a, b)),
  },
  {
    re: re(`${LIST}${W}\\s+(?:right|immediately|directly|just)\\s+before\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => immediately(b, a)),
  },
  {
    re: re(`${LIST}${W}\\s+(?:immediately|directly|right)\\s+followed\\s+by\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => immediately(b, a)),
  },
  {
    re: re(`${LIST}${W}\\s+(?:before|prior to|ahead of|earlier than|preceding)\\s+${ART}${LIST}`),
    positive: true,
    read: (m) => pairs(ids(m[1]), ids(m[2])).map(([a, b]) => ordering(a, b)),
  },
  { re: re(`${LIST}${W}\\s+(?:only\\s+)?after\\s+${ART}${LIST}`), positive: true, read: (m) => pairs(ids(m[2]), ids(m[1])).map(([b, a]) => ordering(b, a)) },
  {
    re: re(`${LIST}(?:\\s+first)?\\s*,?\\s*(?:and\\s+)?then\\s+${WORD}${ART}${LIST}`),
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

/** Words that say two actions need two people (with a negation for "the same person", "both" and "also"). */
export const SEGREGATION =
  /\b(?:different (?:people|persons|person|owners)|separate (?:people|persons|owners)|segregat\w*|separat\w* (?:the |of )?duties|someone else|somebody else|another person|two (?:different )?people|nobody|no one)\b/i;
export const SEGREGATION_NEGATED = /\b(?:the same (?:person|owner|people)|be the one|both|also)\b/i;

const CLAUSE_START = '(?:^|,\\s*(?:and\\s+)?)\\s*';
/** `explicit`: the words say outright who owns it ("name X as the owner of A"); other forms need a role or a name. */
export const OWNERS: { re: RegExp; action: number; owner: number; explicit?: boolean }[] = [
  {
    re: re(`(?:name|make|assign|set|use)\\s+${ART}${OWNER}\\s+(?:as|to be)\\s+(?:the\\s+)?${LIST}(?:'s)?\\s+(?:owner|assignee)`),
    action: 2,
    owner: 1,
    explicit: true,
  },
  {
    re: re(`(?:owner|assignee)\\s+(?:of|for)\\s+${ART}${LIST}\\s+(?:is|must be|should be|has to be|=|:)\\s*${ART}${OWNER}`),
    action: 1,
    owner: 2,
    explicit: true,
  },
  { re: re(`${LIST}(?:'s)?\\s+(?:owner|assignee)\\s+(?:is|must be|should be|has to be|=|:)\\s*${ART}${OWNER}`), action: 1, owner: 2, explicit: true },
  { re: re(`(?:assign|give|hand)\\s+${ART}${LIST}\\s+to\\s+${ART}${OWNER}`), action: 1, owner: 2, explicit: true },
  { re: re(`\\b(?:let|have)\\s+${ART}${OWNER}\\s+(?:do|own|handle|run|perform|take care of)\\s+${ART}${LIST}`), action: 2, owner: 1 },
  { re: re(`${LIST}${W}\\s+by\\s+${ART}${OWNER}`), action: 1, owner: 2 },
  {
    re: re(
      `${CLAUSE_START}(?:only\\s+)?${ART}${OWNER}\\s+(?:must|should|has to|shall|needs to|will|alone|may|can)\\s+(?:always\\s+|only\\s+)?(?:(?:do|own|perform|run|handle|execute|carry out|give|make)\\s+)?${ART}${LIST}`,
    ),
    action: 2,
    owner: 1,
  },
];

/** Explicit verbs of removal forbid what follows; a bare "no"/"never"/"don't" only when nothing qualifies it ("don't deploy by hand"). */
const REMOVE =
  "remove|drop|delete|avoid|omit|skip|exclude|ban|forbid|disallow|eliminate|cut|get rid of|stop using|stop doing|take out|leave out|don'?t use|do not use|never use|never do|don'?t do|do not do|no need for|no more|don'?t bother(?: with)?|do not bother(?: with)?";
const UNQUALIFIED = '(?=\\s*(?:$|[,.;:!]|\\s(?:and|or|again|anymore|ever|at all)\\b))';
export const FORBIDDEN = [
  re(`(?<!\\b(?:not|never|n't)\\s+)\\b(?:${REMOVE})\\s+(?:ever\\s+|again\\s+)?${ART}${LIST}`),
  re(`(?<!\\b(?:not|never|n't)\\s+)\\b(?:no|never|don'?t|do not)\\s+(?:ever\\s+|again\\s+)?${ART}${LIST}${UNQUALIFIED}`),
  re(
    `${LIST}\\s+(?:is|are)\\s+(?:not needed|unnecessary|not necessary|forbidden|not allowed|banned|redundant|pointless|not required|superfluous|prohibited|useless|obsolete)`,
  ),
  re(
    `${LIST}\\s+(?:(?:must|should|may|can|shall)\\s*(?:not|never)|cannot|can'?t|mustn'?t|shouldn'?t)\\s+(?:be\\s+)?(?:used|included|in (?:the|a|any) plan|part of (?:the|a|an|any|every)\\s+(?:\\w+\\s+)?plan|run|done|happen|appear)?\\s*$`,
  ),
];
export const REQUIRED = [
  re(
    `\\b(?:never|don'?t|do not|must not|should not|mustn'?t|shouldn'?t|cannot|can'?t|not)\\s+(?:ever\\s+)?(?:skip|remove|drop|omit|forget(?:\\s+to\\s+\\w+)?|leave out|miss|lose|delete|cut|forgo)\\s+${ART}${LIST}`,
  ),
  re(
    `(?<!\\b(?:not|never|n't)\\s+)\\b(?:add|include|require|keep|reinstate|restore|make sure(?: that)?|ensure(?: that)?|always(?:\\s+[^\\s«»]+)?|must\\s+(?:have|include|contain)|should\\s+(?:have|include|contain)|needs?|missing|forgot(?:ten)?)\\s+(?:back\\s+)?${ART}${LIST}`,
  ),
  re(`${LIST}\\s+(?:is|are)\\s+(?:always\\s+)?(?:required|mandatory|missing|needed|necessary|compulsory|essential|a must|non-negotiable)`),
  re(
    `${LIST}\\s+(?:must|should|has to|have to|needs? to|shall)\\s+(?:always\\s+)?(?:be\\s+)?(?:included|present|in the plan|part of (?:the|every) plan|there|done|run|performed|happen)\\s*$`,
  ),
];
/** A field every step (or the listed actions' steps) must fill; `field` and `actions` are group numbers. */
export const FIELD_FORMS: { re: RegExp; field: number; actions?: number }[] = [
  {
    re: re(
      `\\b(?:every|each|all)\\s+steps?\\s+(?:needs?|requires?|must (?:have|fill(?: in)?|name|record)|should (?:have|name|record))\\s+(?:an?\\s+|the\\s+|its\\s+|their\\s+)?(\\w+)\\s*$`,
    ),
    field: 1,
  },
  { re: re(`\\b(?:attach|add|record|give|fill in|provide|link)\\s+(?:the\\s+|an?\\s+)?(\\w+)\\s+(?:to|for|on)\\s+${ART}${LIST}\\s*$`), field: 1, actions: 2 },
  {
    re: re(
      `^\\s*(\\w+)\\s+(?:must|should|has to|needs to)\\s+be\\s+(?:recorded|attached|given|filled(?: in)?|provided|named|linked)\\s+(?:for|on|to|with)\\s+${ART}${LIST}\\s*$`,
    ),
    field: 1,
    actions: 2,
  },
  { re: re(`${LIST}\\s+(?:must|should|needs? to)\\s+(?:have|record|name|carry|link)\\s+(?:an?\\s+|the\\s+|its\\s+)?(\\w+)\\s*$`), field: 2, actions: 1 },
];
export const MAX_STEPS: { re: RegExp; less: number }[] = [
  {
    re: re(
      `\\b(?:at most|no more than|not more than|maximum of|max(?:imum)?(?: of)?|up to|within|limit (?:it |the plan )?to|cap (?:it |the plan )?at)\\s+${NUM}\\s+steps?\\b`,
    ),
    less: 0,
  },
  { re: re(`\\b(?:under|fewer than|less than|below|shorter than)\\s+${NUM}\\s+steps?\\b`), less: 1 },
  { re: re(`\\b${NUM}\\s+steps?\\s+(?:or (?:fewer|less)|at most|max(?:imum)?|tops)\\b`), less: 0 },
];
