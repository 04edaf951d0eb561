// The rule kinds, in one list: adding a kind is a module in this folder and a line here.
import { forbidden } from './forbidden.js';
import { immediatelyAfter } from './immediately-after.js';
import type { BodyOf, PlanDemands, RuleKindDef } from './kind.js';
import { maxSteps } from './max-steps.js';
import { ordering } from './ordering.js';
import { owner } from './owner.js';
import { required } from './required.js';
import { requiredFields } from './required-fields.js';
import { segregation } from './segregation.js';

/** Every kind, in the order people read them (and the model reader's instructions list them). */
const KINDS = [ordering, immediatelyAfter, required, forbidden, segregation, owner, maxSteps, requiredFields] as const;

type RuleOf<D> = D extends RuleKindDef<infer R> ? R : never;
/** A rule of any kind. */
export type Rule = RuleOf<(typeof KINDS)[number]>;
export type RuleKind = Rule['kind'];
type Distribute<R> = R extends Rule ? BodyOf<R> : never;
/** A rule's content without its bookkeeping: what a reader produces and a line parses to. */
export type RuleBody = Distribute<Rule>;

export const RULE_KINDS: readonly RuleKind[] = KINDS.map((k) => k.kind);

/** The module of a rule's kind, typed for that rule (the one place a kind is looked up). */
export function kindOf(rule: { kind: RuleKind }): RuleKindDef<Rule> {
  return KINDS.find((k) => k.kind === rule.kind) as unknown as RuleKindDef<Rule>;
}

/** Every kind's module, as the loader and the model reader walk them. */
export const ruleKinds = (): readonly RuleKindDef<Rule>[] => KINDS as unknown as readonly RuleKindDef<Rule>[];

/** What `rules` ask of a plan, in the built-in planner's terms. */
export function planDemands(rules: readonly Rule[]): PlanDemands<Rule> {
  const into: PlanDemands<Rule> = { forbid: [], require: [], order: [], rightAfter: [], owners: [], apart: [], maxSteps: [] };
  for (const rule of rules) kindOf(rule).demands?.(rule, into);
  return into;
}
