// Human rules as people read and write them: one canonical line per rule ("a before b"), its stable id, its quote.
import { createHash } from 'node:crypto';
import type { Rule } from '../procedures/types.js';

/** The rule kinds a model reads feedback into (the offline reader and the rule builder also know required-fields). */
type HumanRuleKind = 'ordering' | 'immediately-after' | 'required' | 'forbidden' | 'segregation' | 'owner' | 'max-steps';
export const HUMAN_RULE_KINDS: readonly HumanRuleKind[] = ['ordering', 'immediately-after', 'required', 'forbidden', 'segregation', 'owner', 'max-steps'];

/** A rule's content without its bookkeeping: what a reader produces and a line parses to. */
export type RuleBody =
  | { kind: 'ordering'; before: string; after: string }
  | { kind: 'immediately-after'; action: string; after: string }
  | { kind: 'required'; action: string }
  | { kind: 'forbidden'; action: string }
  | { kind: 'segregation'; actions: [string, string] }
  | { kind: 'owner'; action: string; owner: string }
  | { kind: 'max-steps'; max: number }
  | { kind: 'required-fields'; fields: string[]; actions?: string[] };

const ID = '[a-z0-9][a-z0-9._-]*';

/** The content that makes two rules the same rule (segregation is symmetric; owners compare case-blind, as the validator does). */
function contentKey(body: RuleBody): string {
  switch (body.kind) {
    case 'ordering':
      return `${body.before}|${body.after}`;
    case 'immediately-after':
      return `${body.action}|${body.after}`;
    case 'required':
    case 'forbidden':
      return body.action;
    case 'segregation':
      return [...body.actions].sort().join('|');
    case 'owner':
      return `${body.action}|${body.owner.trim().toLowerCase()}`;
    case 'max-steps':
      return String(body.max);
    case 'required-fields':
      return `${[...body.fields].sort().join(',')}|${body.actions ? [...body.actions].sort().join(',') : '*'}`;
  }
}

/** Stable: the same rule read from two sentences (or twice) has the same id. */
export function humanRuleId(body: RuleBody): string {
  return `human-${body.kind}-${createHash('sha256')
    .update(`${body.kind}|${contentKey(body)}`)
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

/** The content of a rule of a kind feedback can express; undefined for other kinds. */
export function ruleBody(rule: Rule): RuleBody | undefined {
  switch (rule.kind) {
    case 'ordering':
      return { kind: rule.kind, before: rule.before, after: rule.after };
    case 'immediately-after':
      return { kind: rule.kind, action: rule.action, after: rule.after };
    case 'required':
    case 'forbidden':
      return { kind: rule.kind, action: rule.action };
    case 'segregation':
      return { kind: rule.kind, actions: [rule.actions[0], rule.actions[1]] };
    case 'owner':
      return { kind: rule.kind, action: rule.action, owner: rule.owner };
    case 'max-steps':
      return { kind: rule.kind, max: rule.max };
    case 'required-fields':
      return { kind: rule.kind, fields: [...rule.fields], ...(rule.actions ? { actions: [...rule.actions] } : {}) };
    default:
      return undefined;
  }
}

/** One readable line per rule, e.g. "notify-stakeholders before deploy-staging"; parseRuleLine reads it back. */
export function ruleLine(rule: Rule | RuleBody): string {
  switch (rule.kind) {
    case 'ordering':
      return `${rule.before} before ${rule.after}`;
    case 'immediately-after':
      return `${rule.action} right after ${rule.after}`;
    case 'required':
      return `always include ${rule.action}`;
    case 'forbidden':
      return `never use ${rule.action}`;
    case 'segregation':
      return `${rule.actions[0]} and ${rule.actions[1]} by different people`;
    case 'owner':
      return `${rule.action} done by ${rule.owner}`;
    case 'max-steps':
      return `at most ${rule.max} steps`;
    case 'required-fields':
      return `${rule.actions?.join(', ') ?? 'every step'} must fill ${rule.fields.join(', ')}`;
  }
}

/** The rule in plain words, for the person confirming it: "security-scan must come before run-tests". */
export function ruleSentence(rule: RuleBody): string {
  switch (rule.kind) {
    case 'ordering':
      return `${rule.before} must come before ${rule.after}`;
    case 'immediately-after':
      return `${rule.action} must be the very next step after ${rule.after}`;
    case 'required':
      return `every plan must include ${rule.action}`;
    case 'forbidden':
      return `no plan may include ${rule.action}`;
    case 'segregation':
      return `${rule.actions[0]} and ${rule.actions[1]} must be done by different people`;
    case 'owner':
      return `${rule.action} must be done by ${rule.owner}`;
    case 'max-steps':
      return `a plan may have at most ${rule.max} steps`;
    case 'required-fields':
      return `${rule.actions?.join(', ') ?? 'every step'} must fill in ${rule.fields.join(' and ')}`;
  }
}

const LINE_FORMS: { re: RegExp; body: (m: RegExpExecArray) => RuleBody | undefined }[] = [
  { re: new RegExp(`^(${ID}) right after (${ID})$`), body: (m) => ({ kind: 'immediately-after', action: m[1]!, after: m[2]! }) },
  { re: new RegExp(`^(${ID}) before (${ID})$`), body: (m) => ({ kind: 'ordering', before: m[1]!, after: m[2]! }) },
  { re: new RegExp(`^always include (${ID})$`), body: (m) => ({ kind: 'required', action: m[1]! }) },
  { re: new RegExp(`^never use (${ID})$`), body: (m) => ({ kind: 'forbidden', action: m[1]! }) },
  { re: new RegExp(`^(${ID}) and (${ID}) by different people$`), body: (m) => (m[1] === m[2] ? undefined : { kind: 'segregation', actions: [m[1]!, m[2]!] }) },
  { re: new RegExp(`^(${ID}) done by (\\S.*)$`), body: (m) => ({ kind: 'owner', action: m[1]!, owner: m[2]!.trim() }) },
  { re: /^at most (\d{1,6}) steps?$/, body: (m) => (Number(m[1]) >= 1 ? { kind: 'max-steps', max: Number(m[1]) } : undefined) },
  {
    re: new RegExp(`^(every step|${ID}(?:, ${ID})*) must fill ([a-z][a-z0-9_-]*(?:, [a-z][a-z0-9_-]*)*)$`),
    body: (m) => ({ kind: 'required-fields', fields: m[2]!.split(', '), ...(m[1] === 'every step' ? {} : { actions: m[1]!.split(', ') }) }),
  },
];

/** Reads a canonical rule line (as ruleLine writes it, or a person types it); undefined when it is not one. */
export function parseRuleLine(line: string): RuleBody | undefined {
  const text = line.trim().replace(/\s+/g, ' ');
  for (const form of LINE_FORMS) {
    const m = form.re.exec(text);
    if (m) return form.body(m);
  }
  return undefined;
}

/** The action ids a rule names. */
export function actionsOf(rule: Rule | RuleBody): string[] {
  switch (rule.kind) {
    case 'ordering':
      return [rule.before, rule.after];
    case 'immediately-after':
      return [rule.action, rule.after];
    case 'required':
    case 'forbidden':
    case 'owner':
      return [rule.action];
    case 'segregation':
      return [...rule.actions];
    case 'max-steps':
      return [];
    case 'required-fields':
      return rule.actions ?? [];
  }
}
