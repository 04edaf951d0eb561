// One identity per plan: the same steps with the same schedule are the same plan, whatever order they are listed
// in (a reordering that changes no start or end is a repeat, not an alternative; a rejection covers it too).
import { createHash } from 'node:crypto';
import type { Plan } from '../core/plan.js';
import { stepContent } from '../procedures/quality.js';
import { schedulePlan } from '../procedures/schedule.js';
import type { PlanTarget } from '../procedures/types.js';

/** 16 hex characters over each step's content with its resource, start and end in the schedule, sorted. */
export function planKey(plan: Plan, target: PlanTarget): string {
  const schedule = schedulePlan(plan, target);
  const steps = plan.steps.map((s, i) => {
    const at = schedule.steps[i];
    return JSON.stringify([stepContent(s), at?.owner ?? '', at?.start ?? i, at?.end ?? i]);
  });
  return createHash('sha256').update(JSON.stringify(steps.sort())).digest('hex').slice(0, 16);
}
