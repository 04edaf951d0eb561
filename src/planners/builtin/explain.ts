// Says in one line why no plan exists: the rule or fact that really conflicts, never a generic "no plan" when a
// single rule (a person's, or a preference) is the cause.
import { ruleLine } from '../../feedback/rule-text.js';
import { relaxedReachable } from '../../procedures/lint.js';
import { kindOf, planDemands } from '../../procedures/rules/index.js';
import type { PlanTarget, Rule } from '../../procedures/types.js';
import type { Domain } from './domain.js';

/** A rule in a few words, in the same words as memory/human_rules.md: `human rule "r3" (never use deploy-directly)`. */
function describeRule(rule: Rule): string {
  return `${rule.origin === 'human' ? 'human rule' : rule.severity === 'warning' ? 'warning rule' : 'rule'} "${rule.id}" (${ruleLine(rule)})`;
}

const forbidders = (rules: Rule[], action: string) => rules.filter((r) => r.kind === 'forbidden' && r.action === action);

/** Why `action` is out of reach before any search: forbidden (by which rule), avoided by memory, or unusable. */
function blocked(domain: Domain, rules: Rule[], action: string): string {
  const by = forbidders(rules, action);
  if (by.length) return `${by.map(describeRule).join(' and ')} forbids it`;
  return domain.unusable.get(action) ?? 'memory lessons avoid it';
}

/** Reasons that need no search: a required action that is forbidden or can never run, a goal fact nothing allowed provides. */
export function explainStatic(target: PlanTarget, domain: Domain, rules: Rule[]): string | undefined {
  const { set, goal } = target;
  const excluded = new Set([...domain.banned, ...domain.unusable.keys()]);
  const reachable = relaxedReachable(set, goal.initial ?? set.initial, excluded);
  for (const a of domain.mustDo) {
    const action = set.actions.find((x) => x.id === a);
    const requiredBy = rules.filter((r) => r.kind === 'required' && r.action === a);
    const who = requiredBy.length ? requiredBy.map(describeRule).join(' and ') : 'feedback';
    if (!action) return `no plan exists: ${who} requires ${a}, which is not an action of ${set.id}`;
    if (excluded.has(a)) return `no plan exists: ${who} requires ${a}, but ${blocked(domain, rules, a)}`;
    const lacking = action.requires.filter((f) => !reachable.has(f));
    if (lacking.length)
      return `no plan exists: ${who} requires ${a}, which can never run (nothing allowed provides ${lacking.map((f) => `\`${f}\``).join(', ')})`;
  }
  for (const f of goal.facts) {
    if (reachable.has(f)) continue;
    const providers = set.actions.filter((a) => a.provides.includes(f));
    if (providers.length === 0) return `no plan exists: no action provides \`${f}\``;
    if (providers.every((a) => excluded.has(a.id))) {
      const why = providers.map((a) => {
        const by = forbidders(rules, a.id);
        return by.length
          ? `${a.id} (forbidden by ${by.map(describeRule).join(' and ')})`
          : domain.unusable.has(a.id)
            ? `${a.id} (${domain.unusable.get(a.id)})`
            : a.id;
      });
      const plain = providers.every((a) => forbidders(rules, a.id).length === 0 && !domain.unusable.has(a.id));
      if (plain)
        return `no plan exists: \`${f}\` is provided only by ${providers.map((a) => a.id).join(', ')}, which ${providers.length > 1 ? 'are' : 'is'} forbidden`;
      return `no plan exists: \`${f}\` is provided only by ${why.join(', ')}`;
    }
    return `no plan exists: \`${f}\` is unreachable (what ${providers.map((a) => a.id).join(', ')} need${providers.length > 1 ? '' : 's'} can never hold)`;
  }
  return undefined;
}

/** Whether removing the rule can make a plan possible: only rules that demand something of the search (never fields: the planner fills them). */
const constraining = (rule: Rule) => kindOf(rule).demands !== undefined;

/**
 * After an exhaustive search found nothing: tries the problem without each rule in turn (human rules first) and
 * names the rules whose removal makes a plan possible. `solvable` answers true, false or undefined (gave up).
 */
export function explainNoPlan(target: PlanTarget, rules: Rule[], solvable: (rules: Rule[]) => boolean | undefined): string {
  const order = [...rules].filter(constraining).sort((a, b) => Number(b.origin === 'human') - Number(a.origin === 'human'));
  const culprits: Rule[] = [];
  for (const rule of order) {
    if (solvable(rules.filter((r) => r !== rule)) === true) culprits.push(rule);
    if (culprits.length >= 2) break;
  }
  const facts = target.goal.facts.map((f) => `\`${f}\``).join(', ');
  if (culprits.length === 1)
    return `no plan exists: ${describeRule(culprits[0]!)} cannot be met together with the other rules (without it a plan reaches ${facts})`;
  if (culprits.length > 1)
    return `no plan exists: ${culprits.map(describeRule).join(' and ')} conflict with the other rules (dropping either makes a plan possible)`;
  const max = Math.min(Infinity, ...planDemands(rules).maxSteps);
  const bound = Number.isFinite(max) ? ` in at most ${max} steps` : '';
  return `no plan exists: no sequence of allowed actions reaches ${facts}${bound} while obeying the rules together (no single rule is the cause)`;
}
