// Forbidden: the plan must not contain a step of this action.
import { z } from 'zod';
import { replace } from '../plan-edit.js';
import { actionId, actionKeys, findingBase, fixed, ID, type RuleBase, type RuleKindDef, stepsOf } from './kind.js';

export interface ForbiddenRule extends RuleBase {
  kind: 'forbidden';
  action: string;
}

export const forbidden: RuleKindDef<ForbiddenRule> = {
  kind: 'forbidden',
  schema: z.object({ kind: z.literal('forbidden'), action: actionId }),
  ...actionKeys('forbidden', ['action'], '- forbidden: "action" must not be in the plan (only when the person asks to remove or avoid that action itself)'),
  contradicts: (r, o) => o.kind === 'required' && o.action === r.action,
  line: (b) => `never use ${b.action}`,
  lineForm: { re: new RegExp(`^never use (${ID})$`), body: (m) => ({ kind: 'forbidden', action: m[1]! }) },
  forms: ['never use a'],
  sentence: (b) => `no plan may include ${b.action}`,
  forModel: (r) => `the plan must not include ${r.action}`,
  check(rule, plan, ctx) {
    const { base, why } = findingBase(rule);
    return stepsOf(plan, rule.action).map((i) =>
      fixed(ctx, plan, { ...base, step: i + 1, message: `step ${i + 1}: ${rule.action} is forbidden${why}` }, replace(ctx.set, ctx.states[i], plan, i), ''),
    );
  },
  aboutSteps: true,
  demands: (r, into) => void into.forbid.push(r.action),
};
