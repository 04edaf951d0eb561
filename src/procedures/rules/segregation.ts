// Segregation of duties: steps of these two actions must have different owners.
import { z } from 'zod';
import type { Finding, Plan } from '../../core/plan.js';
import type { People } from '../people.js';
import { actionId, findingBase, ID, type RuleBase, type RuleKindDef, stepsOf } from './kind.js';

export interface SegregationRule extends RuleBase {
  kind: 'segregation';
  actions: [string, string];
}

const ownerText = (plan: Plan, i: number) => `"${String(plan.steps[i]!.owner ?? '').trim()}"`;

/**
 * Steps of the two actions done by one person: the same person however spelled, or one role nobody told apart (no
 * named people, no roster splitting it), which may well be one person.
 */
function check(rule: SegregationRule, plan: Plan, people: People): Finding[] {
  const { base, why } = findingBase(rule);
  const [a, b] = rule.actions;
  const out: Finding[] = [];
  for (const i of stepsOf(plan, a)) {
    for (const j of stepsOf(plan, b)) {
      const [x, y] = [people.identify(plan.steps[i]!.owner, a), people.identify(plan.steps[j]!.owner, b)];
      if (!people.mayBeSame(x, y)) continue;
      const later = Math.max(i, j);
      const pair = `steps ${i + 1} (${a}) and ${j + 1} (${b})`;
      const named = x.person && y.person;
      out.push({
        ...base,
        step: later + 1,
        message: named
          ? `${pair} are both done by ${ownerText(plan, i)}${ownerText(plan, i) === ownerText(plan, j) ? '' : ` and ${ownerText(plan, j)}, one person`}${why}`
          : `${pair} may be done by one person: ${x.person ? ownerText(plan, i) : `role ${x.role}`} and ${y.person ? ownerText(plan, j) : `role ${y.role}`} are not told apart${why}`,
        fix: named
          ? `assign step ${later + 1} to someone other than ${ownerText(plan, i).slice(1, -1)}`
          : `name two different people (owner: "Name (role)") or use different roles for steps ${i + 1} and ${j + 1}`,
      });
    }
  }
  return out;
}

export const segregation: RuleKindDef<SegregationRule> = {
  kind: 'segregation',
  schema: z.object({ kind: z.literal('segregation'), actions: z.tuple([actionId, actionId]) }),
  keys: ['actions'],
  draftFields: 'actions: [a, b]',
  read(f) {
    const actions = f.list('actions');
    if (actions.length !== 2) return f.fail('"actions" must name exactly two actions');
    return { actions: [actions[0]!, actions[1]!] };
  },
  identity: (b) => [...b.actions].sort().join('|'),
  actions: (b) => [...b.actions],
  lint: (r) => (r.actions[0] === r.actions[1] ? `rule "${r.id}" segregates "${r.actions[0]}" from itself` : undefined),
  line: (b) => `${b.actions[0]} and ${b.actions[1]} by different people`,
  lineForm: {
    re: new RegExp(`^(${ID}) and (${ID}) by different people$`),
    body: (m) => (m[1] === m[2] ? undefined : { kind: 'segregation', actions: [m[1]!, m[2]!] }),
  },
  forms: ['a and b by different people'],
  sentence: (b) => `${b.actions[0]} and ${b.actions[1]} must be done by different people`,
  forModel: (r) => `steps of ${r.actions[0]} and ${r.actions[1]} must be done by different people (different roles, or two named people)`,
  reading: {
    instruction: '- segregation: "action" and "other" must be done by different people',
    fields: { action: 'action', other: 'action' },
    body: (x, id) => {
      const [a, b] = [id(x.action), id(x.other)];
      return a && b && a !== b ? { kind: 'segregation', actions: [a, b] } : undefined;
    },
  },
  check: (rule, plan, ctx) => check(rule, plan, ctx.people),
  aboutSteps: false,
  demands: (rule, into) => void into.apart.push({ actions: rule.actions, rule }),
};
