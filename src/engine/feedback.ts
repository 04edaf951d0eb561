// A person's rejection: read into rules the validator checks, confirmed by the person when one is there, committed
// to memory with the plans that still stand under the rules in force; what cannot be read stays prose for the
// planner and is never reported as addressed. The reducer folds the committed record into the session.
import type { Plan } from '../core/plan.js';
import { withHumanRules } from '../feedback/target.js';
import type { FeedbackReading } from '../feedback/types.js';
import type { RuleScope } from '../memory/human-rules.js';
import type { StandingPlan } from '../memory/types.js';
import { compareScores, scorePlan, withWarnings } from '../procedures/quality.js';
import type { Objective, Rule } from '../procedures/types.js';
import type { Champion } from '../planners/types.js';
import { validatePlan } from '../procedures/validate.js';
import { planKey } from '../state/identity.js';
import type { EngineDeps } from './deps.js';
import type { RunState } from './run-state.js';
import type { ReviewedPlan } from './types.js';
import { reviewOf } from './session.js';

interface Confirmed {
  reading: FeedbackReading;
  confirmed: boolean;
  enforced: boolean;
  scope: 'session' | 'goal';
}

/** The reason as read, and what the person made of the reading (unattended and --json runs cannot confirm). */
async function confirmReading(run: RunState, deps: EngineDeps, reason: string): Promise<Confirmed> {
  const read = async (text: string): Promise<FeedbackReading> =>
    deps.feedbackReader ? deps.feedbackReader.read(text, deps.target, deps.signal) : { text, constraints: [], lines: [], by: 'rules' };
  const out: Confirmed = { reading: await read(reason), confirmed: false, enforced: false, scope: 'session' };
  out.enforced = out.reading.constraints.length > 0;
  if (run.state.settings.unattended || deps.confirmReadings === false) return out;
  for (;;) {
    const decision = await deps.reviewer.confirmReading(out.reading);
    if (decision.kind === 'edit') {
      out.reading = await read(decision.text);
      out.enforced = out.reading.constraints.length > 0;
      continue;
    }
    if (decision.kind === 'note') out.enforced = false;
    else {
      out.confirmed = true;
      out.scope = decision.scope;
      // The person said it with the rule builder: their rule replaces the reading.
      if (decision.reading) out.reading = decision.reading;
      out.enforced = out.reading.constraints.length > 0;
      if (out.enforced && !(await replacesKept(run, deps, out))) {
        out.enforced = false;
        out.confirmed = false;
      }
    }
    return out;
  }
}

/** A reading that contradicts a rule a person kept replaces it only when the person, shown that rule, says so. */
async function replacesKept(run: RunState, deps: EngineDeps, c: Confirmed): Promise<boolean> {
  const { state } = run;
  const goal = { procedure: state.procedure, goalId: state.goalId };
  const scope: RuleScope = c.scope === 'goal' ? { kind: 'goal', ...goal } : { kind: 'session', session: state.id };
  const conflicts = deps.memory.ruleConflicts(c.reading.constraints, scope, goal);
  if (!conflicts.length || !deps.reviewer.replaceRules) return true;
  return deps.reviewer.replaceRules(conflicts, c.reading);
}

/**
 * The champion and alternatives that still stand: not the rejected plan, valid under the rules in force (the new
 * ones included), re-scored, best first.
 */
async function standing(run: RunState, deps: EngineDeps, rejected: string[], rules: Rule[], objectives: Objective[]): Promise<StandingPlan[]> {
  const { state } = run;
  const target = withHumanRules(deps.target, rules);
  const out: StandingPlan[] = [];
  for (const ref of [state.champion, ...state.alternatives]) {
    if (!ref || rejected.includes(ref.planId) || (ref.key !== undefined && rejected.includes(ref.key))) continue;
    const plan = await run.planOf(ref);
    const validation = plan && validatePlan(plan, target);
    if (!plan || !validation?.valid) continue;
    const steps = plan.steps.map((s) => s.action);
    out.push({ planId: ref.planId, key: planKey(plan, target), score: withWarnings(scorePlan(plan, target), validation), iteration: ref.iteration, steps });
  }
  out.sort((a, b) => compareScores(a.score, b.score, objectives) || a.iteration - b.iteration);
  // Only the new champion's steps are kept (memory's best plan for the goal); the others are named by id.
  for (const p of out.slice(1)) delete p.steps;
  return out;
}

/** The plan a decision was about: the champion, else the proposal of `proposed` (null: there was no plan). */
export function reviewedPlan(champion: Champion | null, proposed: number | null): ReviewedPlan | undefined {
  if (champion) return { kind: 'champion', iteration: champion.iteration };
  return proposed === null ? undefined : { kind: 'proposal', iteration: proposed };
}

/** `of`: the champion at a checkpoint (it loses its place), or the failed plan at a failure prompt. */
export async function handleRejection(
  run: RunState,
  deps: EngineDeps,
  x: { iteration: number; reason: string; of: 'champion' | 'failed'; objectives: Objective[]; now: Date },
): Promise<void> {
  const { state } = run;
  const c = await confirmReading(run, deps, x.reason);
  const champion = x.of === 'champion' ? await run.champion() : null;
  const plan: Plan | null = champion?.plan ?? state.currentPlan;
  // Named before the rejection moves the champion: "you rejected the champion of iteration 3".
  const reviewed = reviewedPlan(champion, plan ? (state.lastProposal?.iteration ?? x.iteration) : null);
  const key = champion ? (state.champion?.key ?? planKey(champion.plan, deps.target)) : undefined;
  const rejected = [champion?.planId, key].filter((id): id is string => id !== undefined);
  let stands: StandingPlan[] | undefined;
  if (champion || c.enforced) {
    const rules = (await deps.humanRules?.({ procedure: state.procedure, goalId: state.goalId, session: state.id })) ?? [];
    stands = await standing(run, deps, rejected, c.enforced ? [...rules, ...c.reading.constraints] : rules, x.objectives);
  }
  const text = c.reading.text;
  const logged = await deps.memory.commitReview({
    ...reviewOf(state, x.iteration, 'rejection', plan, x.now),
    reason: text,
    // Unconfirmed readings apply to this session only: a person has not said they hold for the goal.
    ...(c.enforced ? { constraints: c.reading.constraints, confirmed: c.confirmed, scope: c.confirmed ? c.scope : 'session' } : {}),
    ...(key ? { planKey: key } : {}),
    ...(stands ? { standing: stands, objectives: x.objectives } : {}),
  });
  run.reducer.apply(logged);
  run.prune();
  // The planner is asked for plans that differ from each rejected one in schedule (the built-in planner needs the plan).
  if (plan) state.rejectedPlans = [...(state.rejectedPlans ?? []), plan];
  await deps.store.save(state);
  deps.emit({ type: 'feedback-read', iteration: x.iteration, reading: c.reading, confirmed: c.confirmed, enforced: c.enforced });
  deps.emit({ type: 'decision', iteration: x.iteration, decision: 'rejection', reason: text, ...(reviewed ? { plan: reviewed } : {}) });
}
