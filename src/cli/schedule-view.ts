// A valid plan's score and schedule for people: the score under the objectives, then one Gantt line per step.
import type { Plan } from '../core/plan.js';
import { formatScore, objectivesOf, scorePlan } from '../procedures/quality.js';
import { formatDuration, ganttLines, schedulePlan } from '../procedures/schedule.js';
import type { Objective, PlanTarget } from '../procedures/types.js';
import { safeText } from '../core/text.js';

export function scheduleLines(plan: Plan, target: PlanTarget, objectives: Objective[] = objectivesOf(target), width = 24): string[] {
  const schedule = schedulePlan(plan, target);
  const lines = [`score: ${formatScore(scorePlan(plan, target), objectives)}`];
  if (schedule.makespan > 0)
    lines.push(
      `schedule (makespan ${formatDuration(schedule.makespan)}; steps of one owner run one at a time):`,
      ...ganttLines(schedule, width).map((l) => safeText(l, true)),
    );
  return lines;
}
