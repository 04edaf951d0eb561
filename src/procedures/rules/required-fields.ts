// Required fields: steps (of `actions`, or of every action when absent) must fill these fields.
import { z } from 'zod';
import type { Finding, Plan } from '../../core/plan.js';
import { actionId, filled, findingBase, ID, type RuleBase, type RuleKindDef } from './kind.js';

export interface RequiredFieldsRule extends RuleBase {
  kind: 'required-fields';
  fields: string[];
  actions?: string[];
}

const FIELD = '[a-z][a-z0-9_-]*';
const applies = (rule: RequiredFieldsRule, action: string) => !rule.actions || rule.actions.includes(action);

export const requiredFields: RuleKindDef<RequiredFieldsRule> = {
  kind: 'required-fields',
  schema: z.object({ kind: z.literal('required-fields'), fields: z.array(actionId).min(1), actions: z.array(actionId).min(1).optional() }),
  keys: ['fields', 'actions'],
  draftFields: 'fields, actions',
  read(f) {
    const fields = f.list('fields');
    if (fields.length === 0) return f.fail('"fields" must list at least one field');
    const actions = f.has('actions') ? f.list('actions') : undefined;
    return actions ? { fields, actions } : { fields };
  },
  identity: (b) => `${[...b.fields].sort().join(',')}|${b.actions ? [...b.actions].sort().join(',') : '*'}`,
  actions: (b) => b.actions ?? [],
  line: (b) => `${b.actions?.join(', ') ?? 'every step'} must fill ${b.fields.join(', ')}`,
  lineForm: {
    re: new RegExp(`^(every step|${ID}(?:, ${ID})*) must fill (${FIELD}(?:, ${FIELD})*)$`),
    body: (m) => ({ kind: 'required-fields', fields: m[2]!.split(', '), ...(m[1] === 'every step' ? {} : { actions: m[1]!.split(', ') }) }),
  },
  forms: ['a, b must fill <field>', 'every step must fill <field>'],
  sentence: (b) => `${b.actions?.join(', ') ?? 'every step'} must fill in ${b.fields.join(' and ')}`,
  forModel: (r) => `steps${r.actions ? ` of ${r.actions.join(', ')}` : ''} must fill ${r.fields.join(', ')}`,
  check(rule, plan) {
    const { base, why } = findingBase(rule);
    const out: Finding[] = [];
    plan.steps.forEach((s, i) => {
      if (!applies(rule, s.action)) return;
      for (const f of rule.fields)
        if (!filled(s[f])) out.push({ ...base, step: i + 1, message: `step ${i + 1}: ${s.action} has no ${f}${why}`, fix: `set ${f} on step ${i + 1}` });
    });
    return out;
  },
  covers: (rule, plan: Plan) => plan.steps.flatMap((s, i) => (applies(rule, s.action) ? rule.fields.map((f) => `${i + 1}:${f}`) : [])),
  aboutSteps: false,
};
