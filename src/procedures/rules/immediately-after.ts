// Immediately-after: a step of `action` must come right after a step of `after` (as the very next step).
import { z } from 'zod';
import { actionId, actionKeys, findingBase, ID, type RuleBase, type RuleKindDef, stepsOf } from './kind.js';

export interface ImmediatelyAfterRule extends RuleBase {
  kind: 'immediately-after';
  action: string;
  after: string;
}

export const immediatelyAfter: RuleKindDef<ImmediatelyAfterRule> = {
  kind: 'immediately-after',
  schema: z.object({ kind: z.literal('immediately-after'), action: actionId, after: actionId }),
  ...actionKeys('immediately-after', ['action', 'after'], '- immediately-after: "action" must come as the very next step after "after"'),
  line: (b) => `${b.action} right after ${b.after}`,
  lineForm: { re: new RegExp(`^(${ID}) right after (${ID})$`), body: (m) => ({ kind: 'immediately-after', action: m[1]!, after: m[2]! }) },
  forms: ['a right after b'],
  sentence: (b) => `${b.action} must be the very next step after ${b.after}`,
  forModel: (r) => `${r.action} must come right after ${r.after} (the very next step)`,
  check(rule, plan) {
    const { base, why } = findingBase(rule);
    return stepsOf(plan, rule.action)
      .filter((i) => i === 0 || plan.steps[i - 1]!.action !== rule.after)
      .map((i) => ({
        ...base,
        step: i + 1,
        message: `step ${i + 1}: ${rule.action} does not come right after ${rule.after}${why}`,
        fix: `move ${rule.action} to directly after a ${rule.after} step`,
      }));
  },
  aboutSteps: true,
  demands: (r, into) => void into.rightAfter.push([r.action, r.after]),
};
