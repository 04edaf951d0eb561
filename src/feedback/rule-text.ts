// Human rules as people read and write them: one canonical line per rule ("a before b"), its stable id, its quote.
// Each kind's words live in its module (procedures/rules/); this file says them for any rule.
import { createHash } from 'node:crypto';
import { kindOf, ruleKinds } from '../procedures/rules/index.js';
import type { Rule, RuleBody } from '../procedures/types.js';

export type { RuleBody };

/** Stable: the same rule read from two sentences (or twice) has the same id. */
export function humanRuleId(body: RuleBody): string {
  return `human-${body.kind}-${createHash('sha256')
    .update(`${body.kind}|${kindOf(body).identity(body)}`)
    .digest('hex')
    .slice(0, 8)}`;
}

/** The person's words, one line, bounded: shown after every finding the rule raises. */
function quoteDescription(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return `feedback: "${one.length > 160 ? `${one.slice(0, 157)}...` : one}"`;
}

/** A checked human rule: an error, origin `human`, quoting the person when their words are known. */
export function humanRule(body: RuleBody, quote?: string): Rule {
  const base = { id: humanRuleId(body), severity: 'error' as const, origin: 'human' as const, ...(quote ? { description: quoteDescription(quote) } : {}) };
  return { ...base, ...body } as Rule;
}

const BOOKKEEPING = new Set(['id', 'severity', 'description', 'source', 'origin']);

/** The content of a rule: a copy without its id, severity, description, source and origin. */
export function ruleBody(rule: Rule): RuleBody {
  const content = Object.entries(rule).filter(([key]) => !BOOKKEEPING.has(key));
  return Object.fromEntries(content.map(([key, value]) => [key, Array.isArray(value) ? [...value] : value])) as RuleBody;
}

/** One readable line per rule, e.g. "notify-stakeholders before deploy-staging"; parseRuleLine reads it back. */
export const ruleLine = (rule: Rule | RuleBody): string => kindOf(rule).line(rule);

/** The rule in plain words, for the person confirming it: "security-scan must come before run-tests". */
export const ruleSentence = (rule: RuleBody): string => kindOf(rule).sentence(rule);

/** Reads a canonical rule line (as ruleLine writes it, or a person types it); undefined when it is not one. */
export function parseRuleLine(line: string): RuleBody | undefined {
  const text = line.trim().replace(/\s+/g, ' ');
  for (const kind of ruleKinds()) {
    const m = kind.lineForm.re.exec(text);
    if (m) return kind.lineForm.body(m) as RuleBody | undefined;
  }
  return undefined;
}

/** The action ids a rule names. */
export const actionsOf = (rule: Rule | RuleBody): string[] => kindOf(rule).actions(rule);
