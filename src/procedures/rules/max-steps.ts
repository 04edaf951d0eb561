// Max-steps: the plan has at most `max` steps.
import { z } from 'zod';
import { findingBase, type RuleBase, type RuleKindDef } from './kind.js';

export interface MaxStepsRule extends RuleBase {
  kind: 'max-steps';
  max: number;
}

export const maxSteps: RuleKindDef<MaxStepsRule> = {
  kind: 'max-steps',
  schema: z.object({ kind: z.literal('max-steps'), max: z.number().int().min(1) }),
  keys: ['max'],
  draftFields: 'max',
  read(f) {
    const max = f.number('max');
    return Number.isInteger(max) && max >= 1 ? { max } : f.fail('"max" must be a whole number of at least 1', 'max');
  },
  identity: (b) => String(b.max),
  actions: () => [],
  line: (b) => `at most ${b.max} steps`,
  lineForm: { re: /^at most (\d{1,6}) steps?$/, body: (m) => (Number(m[1]) >= 1 ? { kind: 'max-steps', max: Number(m[1]) } : undefined) },
  forms: ['at most N steps'],
  sentence: (b) => `a plan may have at most ${b.max} steps`,
  forModel: (r) => `at most ${r.max} steps`,
  reading: {
    instruction: '- max-steps: the plan has at most "max" steps',
    fields: { max: 'count' },
    body: (x) => (typeof x.max === 'number' && Number.isInteger(x.max) && x.max >= 1 ? { kind: 'max-steps', max: x.max } : undefined),
  },
  check(rule, plan) {
    const { base, why } = findingBase(rule);
    if (plan.steps.length <= rule.max) return [];
    return [
      {
        ...base,
        message: `the plan has ${plan.steps.length} steps; at most ${rule.max} are allowed${why}`,
        fix: `remove ${plan.steps.length - rule.max} step(s)`,
      },
    ];
  },
  aboutSteps: true,
  demands: (r, into) => void into.maxSteps.push(r.max),
};
