// Owner: steps of `action` must be owned by `owner` (a role or a named person).
import { z } from 'zod';
import { actionId, findingBase, ID, type RuleBase, type RuleKindDef, stepsOf } from './kind.js';

export interface OwnerRule extends RuleBase {
  kind: 'owner';
  action: string;
  owner: string;
}

export const owner: RuleKindDef<OwnerRule> = {
  kind: 'owner',
  schema: z.object({
    kind: z.literal('owner'),
    action: actionId,
    // One line of human_rules.md holds it: no line break, no field separator.
    owner: z.string().refine((s) => s.trim() !== '' && !/[\n·]/.test(s)),
  }),
  keys: ['action', 'owner'],
  draftFields: 'action, owner',
  read(f) {
    const action = f.text('action');
    const owner = f.text('owner');
    return action && owner ? { action, owner } : undefined;
  },
  // Owners compare case-blind, as the validator does.
  identity: (b) => `${b.action}|${b.owner.trim().toLowerCase()}`,
  actions: (b) => [b.action],
  line: (b) => `${b.action} done by ${b.owner}`,
  lineForm: { re: new RegExp(`^(${ID}) done by (\\S.*)$`), body: (m) => ({ kind: 'owner', action: m[1]!, owner: m[2]!.trim() }) },
  forms: ['a done by <owner>'],
  sentence: (b) => `${b.action} must be done by ${b.owner}`,
  forModel: (r) => `steps of ${r.action} must be owned by ${r.owner}`,
  reading: {
    instruction: '- owner: "action" must be owned by "owner" (a role or a person, as the person wrote it)',
    fields: { action: 'action', owner: 'text' },
    body: (x, id) => {
      const action = id(x.action);
      const owner = typeof x.owner === 'string' && x.owner.trim() !== '' ? x.owner.replace(/\s+/g, ' ').trim().slice(0, 80) : undefined;
      return action && owner ? { kind: 'owner', action, owner } : undefined;
    },
  },
  check(rule, plan, ctx) {
    const { base, why } = findingBase(rule);
    const wanted = ctx.people.identify(rule.owner, rule.action);
    return stepsOf(plan, rule.action)
      .filter((i) => !ctx.people.satisfies(ctx.people.identify(plan.steps[i]!.owner, rule.action), wanted))
      .map((i) => ({
        ...base,
        step: i + 1,
        message: `step ${i + 1}: ${rule.action} must be owned by ${rule.owner}${why}`,
        fix: `set owner of step ${i + 1} to ${rule.owner}`,
      }));
  },
  aboutSteps: false,
  demands: (rule, into) => void into.owners.push({ action: rule.action, owner: rule.owner, rule }),
};
