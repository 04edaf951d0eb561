// Required: the plan must contain a step of this action.
import { z } from 'zod';
import type { Plan } from '../../core/plan.js';
import type { PlanEdit } from '../plan-edit.js';
import { actionId, actionKeys, findingBase, fixed, ID, type RuleBase, type RuleContext, type RuleKindDef, stepsOf } from './kind.js';

export interface RequiredRule extends RuleBase {
  kind: 'required';
  action: string;
}

/** Where a required step goes: the first point it can run, after every step an ordering rule puts before it. */
function requiredEdit(plan: Plan, ctx: RuleContext, id: string): PlanEdit | undefined {
  const action = ctx.set.actions.find((a) => a.id === id);
  if (!action) return undefined;
  let from = 0;
  for (const r of ctx.set.rules) if (r.kind === 'ordering' && r.after === id) from = Math.max(from, plan.steps.findIndex((s) => s.action === r.before) + 1);
  for (let k = from; k < ctx.states.length; k++) if (action.requires.every((f) => ctx.states[k]!.has(f))) return { put: [id], at: k };
  return undefined;
}

export const required: RuleKindDef<RequiredRule> = {
  kind: 'required',
  schema: z.object({ kind: z.literal('required'), action: actionId }),
  ...actionKeys('required', ['action'], '- required: "action" must be in the plan ("never skip X" means required X)'),
  lint: (r, set) =>
    set.rules.some((o) => o.kind === 'forbidden' && o.action === r.action) ? `rule "${r.id}" requires "${r.action}", which another rule forbids` : undefined,
  contradicts: (r, o) => o.kind === 'forbidden' && o.action === r.action,
  line: (b) => `always include ${b.action}`,
  lineForm: { re: new RegExp(`^always include (${ID})$`), body: (m) => ({ kind: 'required', action: m[1]! }) },
  forms: ['always include a'],
  sentence: (b) => `every plan must include ${b.action}`,
  forModel: (r) => `the plan must include ${r.action}`,
  check(rule, plan, ctx) {
    const { base, why } = findingBase(rule);
    if (stepsOf(plan, rule.action).length) return [];
    return [fixed(ctx, plan, { ...base, message: `the plan has no ${rule.action} step${why}` }, requiredEdit(plan, ctx, rule.action), `add ${rule.action}`)];
  },
  aboutSteps: true,
  demands: (r, into) => void into.require.push(r.action),
};
