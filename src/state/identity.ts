// One identity per plan: the same steps with the same schedule are the same plan, whatever order they are listed
// in (a reordering that changes no start or end is a repeat, not an alternative; a rejection covers it too).
import { createHash } from 'node:crypto';
import type { Plan } from '../core/plan.js';
import { scheduleKey } from '../procedures/schedule.js';
import type { PlanTarget } from '../procedures/types.js';

/** 16 hex characters over the plan's schedule (each step's action, person, start and end, sorted): the planners' key. */
export function planKey(plan: Plan, target: PlanTarget): string {
  return createHash('sha256').update(scheduleKey(plan, target)).digest('hex').slice(0, 16);
}
