// Plan quality: a valid plan's score under the goal's objectives (makespan from its schedule, cost, risk, steps).
import { createHash } from 'node:crypto';
import type { Plan, ValidationResult } from '../core/plan.js';
import { formatDuration, schedulePlan } from './schedule.js';
import type { Objective, PlanTarget } from './types.js';

/** Lower is better in every field. makespan in minutes; risk is the chance that some step goes wrong, 0..1. */
export interface Score {
  makespan: number;
  cost: number;
  risk: number;
  steps: number;
  /** Warning findings of the valid plan (absent: none). Fewer comes first, before every objective. */
  warnings?: number;
}

/** A valid plan's score with its warnings counted: a plan that breaks a warning rule is never better than one that does not. */
export function withWarnings(score: Score, validation: ValidationResult): Score {
  const warnings = validation.findings.filter((f) => f.severity === 'warning').length;
  return warnings ? { ...score, warnings } : score;
}

/** Differences smaller than this are rounding, not a better plan. */
const EPSILON = 1e-9;

/** The goal's objectives; by default makespan, cost, steps where any action has a duration, else steps. */
export function objectivesOf(target: PlanTarget): Objective[] {
  if (target.goal.objectives?.length) return [...target.goal.objectives];
  return target.set.actions.some((a) => a.duration !== undefined) ? ['makespan', 'cost', 'steps'] : ['steps'];
}

export function scorePlan(plan: Plan, target: PlanTarget): Score {
  const actions = new Map(target.set.actions.map((a) => [a.id, a]));
  let cost = 0;
  let safe = 1;
  for (const s of plan.steps) {
    const a = actions.get(s.action);
    cost += a?.cost ?? 0;
    safe *= 1 - (a?.risk ?? 0);
  }
  // Sums and products of decimals depend on the order of the steps (9.3 one way, 9.299999999999999 another): rounded
  // to a millionth, the same actions score the same in any order, and every record keeps short numbers.
  return { makespan: schedulePlan(plan, target).makespan, cost: round6(cost), risk: round6(1 - safe), steps: plan.steps.length };
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Negative when `a` is better, positive when worse, 0 when equal under the objectives (compared in order). */
export function compareScores(a: Score, b: Score, objectives: readonly Objective[]): number {
  const warned = (a.warnings ?? 0) - (b.warnings ?? 0);
  if (warned) return warned;
  for (const o of objectives) {
    const d = a[o] - b[o];
    if (Math.abs(d) >= EPSILON) return d;
  }
  return 0;
}

export function formatObjective(objective: Objective, value: number): string {
  switch (objective) {
    case 'makespan':
      return formatDuration(value);
    case 'cost':
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    case 'risk':
      return `${(value * 100).toFixed(1)}%`;
    case 'steps':
      return String(value);
  }
}

/** What an objective measures, where a bare name would not say (a percentage called "risk" reads as anything). */
export const OBJECTIVE_MEANING: Readonly<Record<Objective, string>> = {
  makespan: 'time from the first step to the last (the critical path)',
  cost: "sum of the steps' costs",
  risk: 'chance that some step goes wrong',
  steps: 'number of steps',
};

/** A score in objective order: `makespan 2d 6h · cost 1450 · steps 11`; risk says what it is (`risk 4.0%, chance that some step goes wrong`). */
export function formatScore(score: Score, objectives: readonly Objective[]): string {
  const warned = score.warnings ? [`${score.warnings} warning${score.warnings === 1 ? '' : 's'}`] : [];
  const shown = (o: Objective) => `${o} ${formatObjective(o, score[o])}${o === 'risk' ? ` (${OBJECTIVE_MEANING.risk})` : ''}`;
  return [...warned, ...objectives.map(shown)].join(' · ');
}

/**
 * The change on the first objective that differs: `▲ makespan 3d 4h → 2d 6h` (better), `▼ cost 900 → 1200`
 * (worse), `=` when the scores are equal under the objectives. With no previous score, the first objective's value.
 */
export function describeChange(before: Score | null, after: Score, objectives: readonly Objective[]): string {
  if (!before) {
    const o = objectives[0];
    return o ? `${o} ${formatObjective(o, after[o])}` : '';
  }
  for (const o of objectives) {
    const d = after[o] - before[o];
    if (Math.abs(d) < EPSILON) continue;
    return `${d < 0 ? '▲' : '▼'} ${o} ${formatObjective(o, before[o])} → ${formatObjective(o, after[o])}`;
  }
  return '=';
}

function normaliseValue(value: unknown): unknown {
  if (typeof value === 'string') return value.trim().replace(/\s+/g, ' ');
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, normaliseValue((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The plan's content address: sha256 over its steps in order (action, owner and every other field, whitespace
 * collapsed, owner case-folded as the validator compares it), 16 hex characters. The title, the summary and step
 * descriptions are prose: rewording them does not make a different plan.
 */
export function planId(plan: Plan): string {
  const steps = plan.steps.map((s) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(s).sort()) {
      if (key === 'description') continue;
      const v = normaliseValue(s[key]);
      if (v === undefined || v === null || v === '') continue;
      out[key] = key === 'owner' && typeof v === 'string' ? v.toLowerCase() : v;
    }
    return out;
  });
  return createHash('sha256').update(JSON.stringify(steps)).digest('hex').slice(0, 16);
}
