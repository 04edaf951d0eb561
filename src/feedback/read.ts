// The deterministic feedback reader: a rejection reason becomes the rules it states, in kinds the validator checks.
// Precision first: a clause that only asks, hedges, permits or reports states no rule, and a phrase that fits several
// actions names none; what is not read stays prose for the person to confirm or build by hand.
import type { FeedbackReader, FeedbackReading } from './types.js';
import type { PlanTarget } from '../procedures/types.js';
import { FIELD_FORMS, FORBIDDEN, ids, MAX_STEPS, NEG_RE, NUMBERS, OWNERS, RELATIONS, REQUIRED, SEGREGATION, SEGREGATION_NEGATED } from './forms.js';
import { findMentions, markMentions, type ActionInfo } from './mentions.js';
import { type Clause, clausesOf, directs, judgedWrong, moodOf } from './mood.js';
import { actionsOf, humanRule, humanRuleId, ruleLine, type RuleBody } from './rule-text.js';

interface ReadOptions {
  /** Actions the procedure forbids: a word several actions share prefers the allowed ones. */
  forbidden?: ReadonlySet<string>;
  /** Owner roles the procedure knows: "the release manager" becomes `release-manager`. */
  roles?: readonly string[];
  /** The fields the set's steps fill ("owner", "evidence"): words about steps, not about an action. */
  fields?: readonly string[];
}

const NOT_AN_OWNER =
  /^(?:me|us|him|her|them|it|i|we|you|they|he|she|myself|someone|somebody|anyone|anybody|everyone|everybody|nobody|people|person|different|another|other|others|same|hand|default|this|that|there|one|each|all|only|also|then|please)\b/i;

/** A role the procedure knows, or a name as written (capitalised: "Priya", "the CFO", or any words an explicit form names). */
function ownerName(raw: string, roles: readonly string[], explicit = false): string | undefined {
  const name = raw.trim().replace(/['’]s$/, '');
  if (!name || NOT_AN_OWNER.test(name)) return undefined;
  const role = roles.find((r) => r.toLowerCase() === name.toLowerCase().replace(/[\s_]+/g, '-'));
  if (role) return role;
  const capitalised = /^(?:[A-Z][\w.&'-]*)(?:\s+[A-Z][\w.&'-]*)*/.exec(name)?.[0];
  return explicit || capitalised === name ? name : undefined;
}

/** ", and X is forbidden" starts a new statement about X: it is not the end of a list. */
const NEW_SUBJECT = /,\s*(?:and\s+|while\s+)?(?=«[^»]+»\s+(?:is|are|must|should|can|cannot|may|has|have|was|were|will|shall|needs?)\b)/i;

function maxSteps(marked: string): RuleBody[] {
  const out: RuleBody[] = [];
  for (const ms of MAX_STEPS) {
    for (const m of marked.matchAll(ms.re)) {
      const raw = m[1]!.toLowerCase();
      const n = /^\d+$/.test(raw) ? Number(raw) : NUMBERS.indexOf(raw);
      if (n - ms.less >= 1) out.push({ kind: 'max-steps', max: n - ms.less });
    }
  }
  return out;
}

/** "A and B by different people", "X shouldn't both A and B": the pair, and where its words start. */
function segregation(marked: string): { body: RuleBody; from: number } | undefined {
  const both = /\bboth\b/i.exec(marked);
  const from = both ? both.index : 0;
  const named = [...marked.slice(from).matchAll(/«\^?([^»]+)»/g)].map((m) => m[1]!);
  const pair = both ? named.slice(0, 2) : [...new Set(named)];
  const cue = SEGREGATION.test(marked) || (NEG_RE.test(marked) && SEGREGATION_NEGATED.test(marked));
  if (!cue || pair.length !== 2 || pair.includes('?') || pair[0] === pair[1]) return undefined;
  return { body: { kind: 'segregation', actions: [pair[0]!, pair[1]!] }, from };
}

interface Relational {
  bodies: RuleBody[];
  /** Bodies read by positive forms ("A before B"): they yield to an explicit removal of A or B. */
  positive: RuleBody[];
}

function relationsOf(marked: string, roles: readonly string[]): Relational {
  // Spans a relation already read: a weaker form over the same words must not read them again.
  const taken: [number, number][] = [];
  const free = (m: RegExpExecArray) => !taken.some(([s, e]) => m.index < e && s < m.index + m[0].length);
  const out: Relational = { bodies: [], positive: [] };
  const seg = segregation(marked);
  if (seg) {
    out.bodies.push(seg.body);
    taken.push([seg.from, marked.length]);
  }
  for (const rel of RELATIONS) {
    for (const m of marked.matchAll(rel.re)) {
      if (!free(m) || (rel.positive && NEG_RE.test(m[0].replace(/«[^»]+»/g, '')))) continue;
      const read = rel.read(m);
      out.bodies.push(...read);
      if (rel.positive) out.positive.push(...read);
      taken.push([m.index, m.index + m[0].length]);
    }
  }
  for (const form of OWNERS) {
    for (const m of marked.matchAll(form.re)) {
      // "should not be done by the release manager" names who must not own it: no rule kind says that.
      if (!free(m) || NEG_RE.test(m[0].replace(/«[^»]+»/g, ''))) continue;
      const owner = ownerName(m[form.owner]!, roles, form.explicit);
      if (!owner) continue;
      out.bodies.push(...ids(m[form.action]).map((action): RuleBody => ({ kind: 'owner', action, owner })));
      taken.push([m.index, m.index + m[0].length]);
    }
  }
  return out;
}

const namedBy = actionsOf;

/** "Every step needs an owner", "attach evidence to the staging deployment": fields the set's steps have. */
function requiredFields(marked: string, fields: readonly string[]): RuleBody[] {
  return FIELD_FORMS.flatMap((form) =>
    [...marked.matchAll(form.re)].flatMap((m): RuleBody[] => {
      const field = m[form.field]!.toLowerCase().replace(/s$/, '');
      if (!fields.includes(field) || NEG_RE.test(m[0].replace(/«[^»]+»/g, ''))) return [];
      const actions = form.actions ? ids(m[form.actions]) : [];
      if (form.actions && !actions.length) return [];
      return [{ kind: 'required-fields', fields: [field], ...(actions.length ? { actions } : {}) }];
    }),
  );
}

function readMarked(marked: string, opts: ReadOptions): RuleBody[] {
  const steps = [...maxSteps(marked), ...requiredFields(marked, opts.fields ?? [])];
  if (ids(marked).length === 0) return steps;
  const rel = relationsOf(marked, opts.roles ?? []);
  const required = new Set(REQUIRED.flatMap((r) => [...marked.matchAll(r)].flatMap((m) => ids(m[1]))));
  // "No X without Y" and "never X before Y" name X under a negation: X is ordered, not forbidden.
  const negated = new Set(rel.bodies.filter((b) => !rel.positive.includes(b)).flatMap(namedBy));
  const forbidden = new Set(FORBIDDEN.flatMap((r) => [...marked.matchAll(r)].flatMap((m) => ids(m[1]))).filter((a) => !negated.has(a) && !required.has(a)));
  // "Drop A and do B before C": the removal of A is what was said; A is not also ordered.
  const relational = rel.bodies.filter((b) => !rel.positive.includes(b) || !namedBy(b).some((a) => forbidden.has(a)));
  return [
    ...steps,
    ...relational,
    ...[...required].map((action): RuleBody => ({ kind: 'required', action })),
    ...[...forbidden].map((action): RuleBody => ({ kind: 'forbidden', action })),
  ];
}

/** What a clause called wrong asks for: the reverse of each order it describes, nothing else. */
const reversed = (bodies: RuleBody[]): RuleBody[] =>
  bodies.flatMap((b) => (b.kind === 'ordering' ? [{ kind: 'ordering' as const, before: b.after, after: b.before }] : []));

/**
 * The rules of each clause: clauses that ask, hedge, permit or report give none; one called wrong gives its reverse.
 * `unread` gets the index of each clause that may state a rule the reading missed: nothing was read of it, or part
 * of it names no one action (see unreadClauses, which keeps those that ask for something not read).
 */
function readClauses(marked: string, opts: ReadOptions, unread: number[] = []): RuleBody[] {
  const out: RuleBody[][] = [];
  let previous: { bodies: RuleBody[]; index: number } | undefined;
  for (const [i, clause] of clausesOf(marked).entries()) {
    const mood = moodOf(clause);
    const bodies = clause.text.split(NEW_SUBJECT).flatMap((part) => readMarked(part, opts));
    if (judgedWrong(clause.text) && mood !== 'question' && mood !== 'hedge') {
      // "You have A before B; that's the wrong way round" corrects the clause before it.
      const own = bodies.length > 0 || !previous;
      if (!own && previous) out[previous.index] = [];
      out.push(reversed(own ? bodies : (previous?.bodies ?? [])));
      if (own && reversed(bodies).length === 0) unread.push(i);
    } else {
      out.push(mood === 'rule' ? bodies : []);
      // Nothing read, or a part naming no one action ("after the release": several fit) left out of what was read.
      if (mood === 'rule' && (bodies.length === 0 || /«\^?\?»/.test(clause.text))) unread.push(i);
    }
    previous = { bodies, index: out.length - 1 };
  }
  return out.flat();
}

const MAX_READ = 2000;

/** The rules `text` states about `actions` (its first 2,000 characters), each once, in the order they were read. */
export function readRuleBodies(text: string, actions: ActionInfo[], opts: ReadOptions = {}): RuleBody[] {
  return readRules(text, actions, opts).bodies;
}

/**
 * The rules `text` states, and the clauses (in the person's words) that state a rule of which nothing was read: a
 * reading of "A must X; B before C" that found only "B before C" says so instead of passing for the whole text.
 */
function readRules(text: string, actions: ActionInfo[], opts: ReadOptions): { bodies: RuleBody[]; unread: string[] } {
  // The marks are ours: a person's « » must not pass for a mention of an action.
  const clean = text.slice(0, MAX_READ).replace(/[’‘]/g, "'").replace(/[«»]/g, '"');
  // `never use "deploy-directly"`: quotes and backticks around an id are not words between the verb and the action.
  const marked = markMentions(clean, findMentions(clean, actions, opts.forbidden, opts.roles, opts.fields)).replace(/(["'`])(«[^»]+»)\1/g, '$2');
  const seen = new Set<string>();
  const unreadAt: number[] = [];
  const bodies = readClauses(marked, opts, unreadAt).filter((body) => {
    const id = humanRuleId(body);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  // Marks do not touch the punctuation clauses split on: the person's clauses line up with the marked ones.
  const own = clausesOf(clean);
  const marks = clausesOf(marked);
  const words = (i: number) => (own.length === marks.length ? own[i]!.text : marks[i]!.text.replace(/«\^?([^»]+)»/g, '$1'));
  return { bodies, unread: unreadClauses(marks, unreadAt, bodies).map(words) };
}

/** A phrase fitting several actions on one side of an order word: an ordering the reading could not pin down. */
const UNCLEAR_ORDER = /\b(?:before|after|until|then)\s+(?:the\s+)?«\^?\?»|«\^?\?»\s+(?:before|after|first|then)\b/i;

/**
 * Of the clauses that may hold a rule the reading missed, those that do: a clause that asks for something (see
 * mood.ts directs) and names an action no rule read covers, or a phrase that fits several beside an order word ("after
 * the release"). A complaint ("this is too long") or a clause whose actions the reading covers ("…is backwards; scan
 * first") is not said to be unread. On test/fixtures/reader-eval.yaml the note came on 5 of 60 readings before this
 * check, each time for a clause that asked for nothing the reading missed; after it, on none (measured on the set the
 * check was shaped on: test/feedback-unread.test.ts also tries sentences written after it).
 */
function unreadClauses(clauses: Clause[], candidates: number[], bodies: RuleBody[]): number[] {
  const covered = new Set(bodies.flatMap(actionsOf));
  return candidates.filter((i) => {
    const clause = clauses[i]!;
    if (!directs(clause)) return false;
    const named = ids(clause.text);
    return UNCLEAR_ORDER.test(clause.text) || named.length === 0 || named.some((a) => !covered.has(a));
  });
}

/** Reads a rejection reason into human rules for `target`; nothing readable gives no constraints (the text stays prose). */
export function readFeedback(text: string, target: PlanTarget): FeedbackReading {
  const forbidden = new Set(target.set.rules.flatMap((r) => (r.kind === 'forbidden' && r.origin !== 'human' ? [r.action] : [])));
  const roles = [...new Set(target.set.actions.flatMap((a) => (a.role ? [a.role] : [])))];
  const fields = [...new Set(target.set.actions.flatMap((a) => a.fields))];
  const { bodies, unread } = readRules(text, target.set.actions, { forbidden, roles, fields });
  const constraints = bodies.map((body) => humanRule(body, text));
  return { text, constraints, lines: constraints.map(ruleLine), by: 'rules', ...(constraints.length && unread.length ? { unread } : {}) };
}

/** The reader used when no model is configured (and the fallback of the model reader). */
export class RulesFeedbackReader implements FeedbackReader {
  async read(text: string, target: PlanTarget): Promise<FeedbackReading> {
    return readFeedback(text, target);
  }
}
