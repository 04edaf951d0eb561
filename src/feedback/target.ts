// Puts human rules where the validator looks: into the target's procedure set, beside the procedure's own rules.
import type { PlanTarget, Rule } from '../procedures/types.js';
import { actionsOf, ruleBody, humanRuleId } from './rule-text.js';

/** Why a human rule cannot be checked against this target (an action the set does not have), or undefined. */
export function unusableReason(target: PlanTarget, rule: Rule): string | undefined {
  const known = new Set(target.set.actions.map((a) => a.id));
  const unknown = actionsOf(rule).filter((a) => !known.has(a));
  return unknown.length ? `${target.set.id} has no action ${unknown.map((a) => `"${a}"`).join(', ')}` : undefined;
}

/**
 * The target with `rules` added to its set's rules, so validatePlan checks them as errors. Rules naming actions the
 * set lacks are left out (list them with unusableReason); a rule the set already states as an error in the same form
 * is not added twice (the procedure's own rule checks it). The target passed in is not changed.
 */
export function withHumanRules(target: PlanTarget, rules: readonly Rule[]): PlanTarget {
  if (!rules.length) return target;
  // A procedure's warning in the same form does not count: the person's rule makes it an error.
  const have = new Set(
    target.set.rules.flatMap((r) => {
      const body = r.severity === 'error' ? ruleBody(r) : undefined;
      return body ? [humanRuleId(body)] : [];
    }),
  );
  const added: Rule[] = [];
  for (const rule of rules) {
    const body = ruleBody(rule);
    const key = body ? humanRuleId(body) : rule.id;
    if (have.has(key) || unusableReason(target, rule)) continue;
    have.add(key);
    added.push(rule);
  }
  return added.length ? { set: { ...target.set, rules: [...target.set.rules, ...added] }, goal: target.goal } : target;
}
