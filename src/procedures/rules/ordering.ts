// Ordering: `before` must occur before any occurrence of `after` (when `after` occurs).
import { z } from 'zod';
import type { Plan } from '../../core/plan.js';
import { bringIn, type PlanEdit, stepName } from '../plan-edit.js';
import { actionId, actionKeys, findingBase, ID, fixed, type RuleBase, type RuleContext, type RuleKindDef, stepsOf } from './kind.js';

export interface OrderingRule extends RuleBase {
  kind: 'ordering';
  before: string;
  after: string;
}

/** Step `i` runs before any `before` step: move the first one up (or bring it in), else move step `i` after it. */
function orderingEdit(plan: Plan, ctx: RuleContext, before: string, i: number): PlanEdit | undefined {
  const up = bringIn(plan, ctx.set, ctx.states[i], i, before);
  if (up) return up;
  const j = plan.steps.findIndex((s) => s.action === before);
  const action = ctx.set.actions.find((a) => a.id === plan.steps[i]!.action);
  const after = ctx.states[j + 1];
  return j > i && action && after && action.requires.every((f) => after.has(f)) ? { put: [i], at: j + 1 } : undefined;
}

const ORDERING_READING = '- ordering: "before" must come before any "after" step ("no X without Y first" and "never X before Y" mean before=Y, after=X)';

export const ordering: RuleKindDef<OrderingRule> = {
  kind: 'ordering',
  schema: z.object({ kind: z.literal('ordering'), before: actionId, after: actionId }),
  ...actionKeys('ordering', ['before', 'after'], ORDERING_READING),
  lint: (r) => (r.before === r.after ? `rule "${r.id}" orders "${r.before}" before itself` : undefined),
  contradicts: (r, o) => o.kind === 'ordering' && r.before === o.after && r.after === o.before,
  line: (b) => `${b.before} before ${b.after}`,
  lineForm: { re: new RegExp(`^(${ID}) before (${ID})$`), body: (m) => ({ kind: 'ordering', before: m[1]!, after: m[2]! }) },
  forms: ['a before b'],
  sentence: (b) => `${b.before} must come before ${b.after}`,
  forModel: (r) => `${r.before} must come before ${r.after} (when ${r.after} occurs)`,
  check(rule, plan, ctx) {
    const { base, why } = findingBase(rule);
    const befores = stepsOf(plan, rule.before);
    const firstBefore = befores.length ? befores[0]! : Infinity;
    return stepsOf(plan, rule.after)
      .filter((i) => i < firstBefore)
      .map((i) =>
        fixed(
          ctx,
          plan,
          { ...base, step: i + 1, message: `step ${i + 1}: ${rule.after} comes before any ${rule.before}${why}` },
          orderingEdit(plan, ctx, rule.before, i),
          `add ${rule.before} before ${stepName(plan, i)}`,
        ),
      );
  },
  aboutSteps: true,
  demands: (r, into) => void into.order.push([r.before, r.after]),
};
