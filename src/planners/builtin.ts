// The built-in planner, an anytime optimiser: a shortest valid plan first, then better plans under the objectives
// (best-first search in score order), then distinct alternatives; it says "optimal" only when its search proved it.
// On problems too large for that exact search (builtin/satisficing.ts), a first plan by greedy search, then shorter ones.
import type { Plan } from '../core/plan.js';
import { compareScores, formatScore, planId, scorePlan } from '../procedures/quality.js';
import { scheduleKey } from '../procedures/schedule.js';
import { validatePlan } from '../procedures/validate.js';
import type { Objective, PlanTarget, Rule } from '../procedures/types.js';
import type { MemoryItem } from '../memory/types.js';
import { optimise, type FoundPlan, type OptimiseResult } from './builtin/optimise.js';
import { firstPlan, improvePlan } from './builtin/satisficing.js';
import { planFromActions, searchPlan, type SearchPreferences } from './search.js';
import { PlannerError, type PlanRequest, type PlanResponse, type Planner } from './types.js';

/** Turns recalled memory into search preferences; only lessons seen twice or from a person become prohibitions. */
function preferencesFromMemory(items: MemoryItem[]): SearchPreferences {
  const prefer = new Set<string>();
  const avoid = new Set<string>();
  const orderings: { before: string; after: string }[] = [];
  for (const item of items) {
    const d = item.data;
    if (d.type === 'include' && item.kind === 'pattern') prefer.add(d.action);
    else if (d.type === 'fix') prefer.add(d.action);
    else if (d.type === 'ordering') orderings.push({ before: d.before, after: d.after });
    else if (d.type === 'avoid' && (item.human > 0 || item.count >= 2)) avoid.add(d.action);
    else if (d.type === 'include' && item.kind !== 'pattern' && item.human > 0) prefer.add(d.action);
  }
  return { prefer: [...prefer], avoid: [...avoid], orderings };
}

/**
 * Among the many equally short orderings the search may return, prefer the one that follows the order the
 * procedure declares its actions in (a scan before the release, not after it): each step moves earlier past
 * a later-declared one whenever the plan stays valid.
 */
export function canonicalOrder(target: PlanTarget, actions: string[]): string[] {
  const rank = new Map(target.set.actions.map((a, i) => [a.id, i]));
  const current = [...actions];
  for (let moved = true; moved; ) {
    moved = false;
    for (let i = 1; i < current.length; i++) {
      if ((rank.get(current[i]!) ?? 0) >= (rank.get(current[i - 1]!) ?? 0)) continue;
      const swapped = [...current];
      [swapped[i - 1], swapped[i]] = [swapped[i]!, swapped[i - 1]!];
      if (validatePlan(planFromActions(target, swapped, ''), target).valid) {
        current.splice(0, current.length, ...swapped);
        moved = true;
      }
    }
  }
  return current;
}

/** Moves steps to honour preferred orderings, keeping each move only if the plan stays valid. */
function applyOrderings(target: PlanTarget, actions: string[], orderings: { before: string; after: string }[]): string[] {
  let current = actions;
  for (const { before, after } of orderings) {
    const i = current.indexOf(before);
    const j = current.indexOf(after);
    if (i < 0 || j < 0 || i < j) continue;
    const moved = [...current.slice(0, j), before, ...current.slice(j).filter((_, k) => k !== i - j)];
    if (validatePlan(planFromActions(target, moved, ''), target).valid) current = moved;
  }
  return current;
}

/** One way of reading the rules: all of them, or the errors only (warning rules are preferences, never a reason for "no plan"). */
interface Pass {
  rules: Rule[];
  avoid: string[];
  /** What this pass gave up, for the summary and the optimality claim. */
  relaxed: string[];
}

function passes(target: PlanTarget, avoid: string[]): Pass[] {
  const all = target.set.rules;
  const errors = all.filter((r) => r.severity === 'error');
  const forbidden = new Set(all.flatMap((r) => (r.kind === 'forbidden' ? [r.action] : [])));
  const lessons = avoid.filter((a) => !forbidden.has(a) && target.set.actions.some((x) => x.id === a));
  const warnings = all.filter((r) => r.severity === 'warning').map((r) => r.id);
  const out: Pass[] = [];
  if (lessons.length) out.push({ rules: all, avoid: lessons, relaxed: [] });
  out.push({ rules: all, avoid: [], relaxed: lessons.length ? [`memory lessons to avoid ${lessons.join(', ')}`] : [] });
  if (warnings.length)
    out.push({
      rules: errors,
      avoid: [],
      relaxed: [...(lessons.length ? [`memory lessons to avoid ${lessons.join(', ')}`] : []), `warning rules ${warnings.join(', ')}`],
    });
  return out;
}

/**
 * Effort of the exact search, in operator visits: on the shipped procedures (tens of actions) far beyond what their
 * proofs need, so they are planned and proved exactly; on large imported problems (thousands of ground actions) a
 * fraction of a second, after which the satisficing search takes over.
 */
const EXACT_WORK = 3_000_000;
/**
 * Ground actions above which the greedy search goes first: at that size the exact search's budget covers at most a
 * few hundred states (on the generated logistics, depots and blocksworld of `npm run bench:planner` it found no plan
 * above 174 actions), and spending it first only delays the first plan. The exact search still runs, to explain
 * why, when the greedy one proves that no plan exists.
 */
const EXACT_MAX_ACTIONS = 1000;
/** Effort of the greedy search for a first plan, in operator visits (about a microsecond each). */
const SATISFICING_WORK = 50_000_000;
/** Effort of one iteration's improvement searches together, in operator visits. */
const IMPROVE_WORK = 10_000_000;
/** Effort of each score-order search (the optimum and its proof), in operator visits; see EXACT_WORK. */
const OPTIMISE_WORK = 20_000_000;
const UNPROVED: OptimiseResult = { proved: false, expanded: 0 };

export class BuiltinPlanner implements Planner {
  readonly name = 'builtin';

  constructor(private readonly budget: { maxExpansions?: number } = {}) {}

  async propose(req: PlanRequest): Promise<PlanResponse> {
    if (req.signal.aborted) throw new PlannerError('aborted', 'cancelled');
    const target = req.target;
    const objectives: Objective[] = req.objectives.length ? req.objectives : ['steps'];
    const memory = preferencesFromMemory(req.recall.items);
    // A rejected plan stays rejected in any order that keeps its schedule: only a plan that differs in schedule is new.
    const rejected = new Set((req.rejected ?? []).map((p) => scheduleKey(p, target)));
    const fresh = (plan: Plan) => !req.seen.has(planId(plan)) && !rejected.has(scheduleKey(plan, target));
    let lastReason = 'no plan found';
    for (const pass of passes(target, memory.avoid ?? [])) {
      // A large problem tries the greedy search first; a small one only once the exact search ran out of budget.
      const large = target.set.actions.length > EXACT_MAX_ACTIONS;
      const greedy = large ? this.satisficing(req, objectives, pass, fresh) : undefined;
      if (greedy) return greedy;
      const shortest = searchPlan(
        { set: { ...target.set, rules: pass.rules }, goal: target.goal },
        { prefer: memory.prefer ?? [], avoid: pass.avoid, maxExpansions: this.budget.maxExpansions ?? 200_000, maxWork: EXACT_WORK },
      );
      const late = !shortest.found && shortest.outOfBudget && !large ? this.satisficing(req, objectives, pass, fresh) : undefined;
      if (late) return late;
      if (!shortest.found) {
        lastReason = shortest.reason;
        continue;
      }
      const search = (seen: ReadonlySet<string>, rules = pass.rules) =>
        optimise(target, { objectives, rules, avoid: pass.avoid, seen, rejected, maxExpansions: this.budget.maxExpansions ?? 60_000, maxWork: OPTIMISE_WORK });
      // Iteration 1 (or no champion yet): the shortest plan, fast, in the procedure's declared order.
      if (!req.champion) {
        const actions = applyOrderings(target, canonicalOrder(target, shortest.actions), memory.orderings ?? []);
        // Shortest among the plans this pass allows: every rule, or (no plan obeying all) every error rule; and without
        // the actions memory advises against when this pass avoids them, so not claimed shortest of all.
        const under = pass.rules.length < target.set.rules.length ? 'under every error rule' : 'under every rule';
        const without = pass.avoid.length ? `, without ${pass.avoid.join(', ')} as memory advises` : '';
        const plan = this.plan(req, actions, `Shortest plan (fewest steps) ${under}${without}`);
        if (fresh(plan)) return this.respond(req, plan, objectives, pass, search(new Set()));
      }
      const result = search(req.seen);
      if (result.plan) return this.respond(req, this.plan(req, this.readable(target, result.plan, fresh, objectives), ''), objectives, pass, result);
      return this.beyondSeen(req, objectives, pass, result, rejected);
    }
    throw new PlannerError('no-plan', lastReason);
  }

  // The seen set holds each plan's id and its schedule's key: its size is no count of plans, so none is printed.
  /**
   * When the optimiser found no unseen plan as good as the optimum: an unseen alternative by exhaustive search, else the
   * proved optimum again (every plan as good was proposed already), else why there is none.
   */
  private beyondSeen(req: PlanRequest, objectives: Objective[], pass: Pass, result: OptimiseResult, rejected: ReadonlySet<string>): PlanResponse {
    const target = req.target;
    const more = optimise(target, {
      objectives,
      rules: pass.rules,
      avoid: pass.avoid,
      seen: req.seen,
      rejected,
      exhaustive: true,
      maxExpansions: Math.min(this.budget.maxExpansions ?? 20_000, 20_000),
      maxWork: OPTIMISE_WORK,
    });
    if (more.plan) return this.respond(req, this.plan(req, more.plan.actions, ''), objectives, pass, result);
    // Every plan at least as good as the proved optimum was already proposed: the champion is optimal. Say so with
    // the optimum itself (a repeat), the only time this planner returns a plan it has proposed before.
    const best = result.best && planFromActions(target, result.best.actions, '');
    if (best && rejected.has(scheduleKey(best, target)))
      throw new PlannerError(
        'no-plan',
        `no other plan: every plan found has the schedule of a plan a person rejected (${rejected.size}) or one proposed already`,
      );
    if (result.best && result.proved && !this.startMeetsGoal(target))
      return this.respond(
        req,
        this.plan(req, result.best.actions, 'The proved optimum again: every plan as good has been proposed already'),
        objectives,
        pass,
        result,
      );
    throw new PlannerError('budget', `no plan beyond those already proposed within ${this.budget.maxExpansions ?? 60_000} search steps`);
  }

  /**
   * The answer on a problem too large for the exact search: a first plan by greedy best-first search, later ones by
   * weighted A* improving on the champion (the first plan is searched for only when that finds nothing new). Nothing
   * proved, so never called optimal. Undefined when the greedy search proved that no plan exists.
   */
  private satisficing(req: PlanRequest, objectives: Objective[], pass: Pass, fresh: (plan: Plan) => boolean): PlanResponse | undefined {
    const target = req.target;
    const isNew = (found: FoundPlan) => fresh(planFromActions(target, found.actions, ''));
    const opts = { rules: pass.rules, avoid: pass.avoid, objectives, maxWork: SATISFICING_WORK, improveWork: IMPROVE_WORK };
    const improved = (better: FoundPlan) =>
      this.respond(
        req,
        this.plan(req, better.actions, 'Plan by weighted A* (FF and landmark count), bounded by the best so far; not proved optimal'),
        objectives,
        pass,
        UNPROVED,
      );
    const champion = req.champion?.plan.steps.map((s) => s.action);
    const better = champion && improvePlan(target, champion, isNew, opts);
    if (better) return improved(better);
    const first = firstPlan(target, opts);
    if (!('plan' in first)) {
      if (first.exhausted) return undefined;
      throw new PlannerError('budget', `no plan found: the greedy search ran out of budget (${first.reason})`);
    }
    const lead = 'First plan by greedy best-first search (landmark count; FF and landmark preferred operators); not proved shortest';
    if (isNew(first.plan)) return this.respond(req, this.plan(req, first.plan.actions, lead), objectives, pass, UNPROVED);
    const fromFirst = !champion && improvePlan(target, first.plan.actions, isNew, opts);
    if (fromFirst) return improved(fromFirst);
    const incumbent = champion ?? first.plan.actions;
    throw new PlannerError('budget', `no plan beyond those already proposed or rejected: weighted A* found none shorter than ${incumbent.length} steps`);
  }

  /** The found plan in the procedure's declared order when that keeps its score and it is still new. */
  private readable(target: PlanTarget, found: FoundPlan, fresh: (plan: Plan) => boolean, objectives: Objective[]): string[] {
    const ordered = canonicalOrder(target, found.actions);
    const plan = planFromActions(target, ordered, '');
    return fresh(plan) && compareScores(scorePlan(plan, target), found.score, objectives) === 0 ? ordered : found.actions;
  }

  private plan(req: PlanRequest, actions: string[], lead: string): Plan {
    // Titled with the person's own goal; the procedure goal it was matched to is in `goal`.
    return { ...planFromActions(req.target, actions, lead), title: req.goalText.trim().slice(0, 200) || req.target.goal.description };
  }

  private respond(req: PlanRequest, plan: Plan, objectives: Objective[], pass: Pass, proof: OptimiseResult): PlanResponse {
    const target = req.target;
    const score = scorePlan(plan, target);
    const valid = validatePlan(plan, target).valid;
    const human = target.set.rules.filter((r) => r.origin === 'human' && pass.rules.includes(r));
    const parts = [plan.summary || `Best plan not yet proposed under ${objectives.join(', ')}`];
    parts[0] += ` for "${req.goalText}": ${formatScore(score, objectives)}.`;
    if (human.length && valid) parts.push(`Obeys human rules ${human.map((r) => r.id).join(', ')} (checked by the validator).`);
    if (pass.relaxed.length) parts.push(`No plan obeys all rules, so it relaxes ${pass.relaxed.join('; ')}.`);
    if (req.feedback.length) parts.push(`Feedback the built-in planner cannot read (not checked): ${req.feedback.map((f) => `"${f}"`).join('; ')}.`);
    const response: PlanResponse = { plan: { ...plan, summary: parts.join(' ') }, mode: 'builtin', promptChars: 0 };
    const optimal =
      valid && proof.proved && proof.best && compareScores(score, proof.best.score, objectives) === 0 && !this.startMeetsGoal(target)
        ? this.claim(req, objectives, pass, score)
        : undefined;
    if (optimal) response.optimal = optimal;
    return response;
  }

  /** "optimal for makespan, cost, steps", qualified when this pass relaxed or kept something a valid plan need not. */
  private claim(req: PlanRequest, objectives: Objective[], pass: Pass, score: ReturnType<typeof scorePlan>): string {
    const base = `optimal for ${objectives.join(', ')}`;
    const notes: string[] = [];
    if (pass.avoid.length) notes.push(`without ${pass.avoid.join(', ')} as memory advises`);
    const warnings = pass.rules.filter((r) => r.severity === 'warning');
    if (warnings.length) {
      // Valid plans may break warning rules: the claim covers them only if the optimum without warnings is no better.
      const loose = optimise(req.target, {
        objectives,
        rules: pass.rules.filter((r) => r.severity === 'error'),
        avoid: pass.avoid,
        seen: new Set(),
        maxExpansions: this.budget.maxExpansions ?? 60_000,
      });
      if (!(loose.proved && loose.best && compareScores(loose.best.score, score, objectives) >= 0))
        notes.push(`among plans that also follow the warning rules`);
    }
    if (pass.relaxed.length) notes.push(`relaxing ${pass.relaxed.join('; ')}`);
    return notes.length ? `${base} (${notes.join(', ')})` : base;
  }

  /** The empty plan would be valid: no claim about one-step-or-more plans is worth making then. */
  private startMeetsGoal(target: PlanTarget): boolean {
    return validatePlan({ title: '', summary: '', steps: [] }, target).valid;
  }
}
