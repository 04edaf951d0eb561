// A small procedure and a scripted session for the memory tests: plans are validated by the real validator,
// and each iteration gets the outcome the engine would give it (champion, repeats, failures).
import type { Plan } from '../../src/core/plan.js';
import type { Memory } from '../../src/memory/store.js';
import type { IterationRecord, Outcome, ReviewRecord } from '../../src/memory/types.js';
import { compareScores, planId, type Score } from '../../src/procedures/quality.js';
import type { ActionDef, Objective, PlanTarget, Rule } from '../../src/procedures/types.js';
import { checkInsights } from '../../src/procedures/insight.js';
import { validatePlan } from '../../src/procedures/validate.js';

const action = (id: string, requires: string[], provides: string[]): ActionDef => ({
  id,
  description: id.replace(/-/g, ' '),
  requires,
  provides,
  removes: [],
  fields: ['owner'],
});

/** A release procedure: a scan must precede the approval, a direct deploy is forbidden, the approver is not the deployer. */
export const RELEASE: PlanTarget = {
  set: {
    id: 'release',
    name: 'Release',
    description: 'Release a service',
    file: 'release.yaml',
    initial: ['merged'],
    actions: [
      action('open-ticket', [], ['ticket']),
      action('build', ['merged'], ['artifact']),
      action('run-tests', ['artifact'], ['tested']),
      action('security-scan', ['artifact'], ['scanned']),
      action('approve-release', ['tested'], ['approved']),
      action('deploy-production', ['approved'], ['deployed']),
      action('deploy-directly', ['artifact'], ['deployed']),
      action('canary', ['approved'], ['deployed']),
      action('verify', ['deployed'], ['verified']),
      action('close-ticket', ['ticket', 'verified'], ['closed']),
    ],
    rules: [
      { id: 'scan-before-approval', kind: 'ordering', before: 'security-scan', after: 'approve-release', severity: 'error' },
      { id: 'security-scan-required', kind: 'required', action: 'security-scan', severity: 'error' },
      { id: 'no-direct-deploys', kind: 'forbidden', action: 'deploy-directly', severity: 'error' },
      { id: 'approver-is-not-deployer', kind: 'segregation', actions: ['approve-release', 'deploy-production'], severity: 'error' },
    ],
    goals: [{ id: 'ship', description: 'Ship the service', keywords: ['ship'], facts: ['closed'] }],
  },
  goal: { id: 'ship', description: 'Ship the service', keywords: ['ship'], facts: ['closed'] },
};

export const GOOD = ['open-ticket', 'build', 'run-tests', 'security-scan', 'approve-release', 'deploy-production', 'verify', 'close-ticket'];
/** Shorter and valid: a canary instead of the production deploy is no shorter, so this one drops nothing but reorders. */
export const GOOD_SCAN_FIRST = ['open-ticket', 'build', 'security-scan', 'run-tests', 'approve-release', 'deploy-production', 'verify', 'close-ticket'];

/** Owners: one person per step by default, so segregation holds; `owners` overrides by action. */
export function plan(actions: string[], owners: Record<string, string> = {}): Plan {
  return { title: `plan ${actions.length}`, summary: 's', steps: actions.map((a, i) => ({ action: a, owner: owners[a] ?? `role-${i}` })) };
}

/** Plans are scored on cost, then steps; a test gives a plan its cost. */
export const OBJECTIVES: Objective[] = ['cost', 'steps'];

const T0 = Date.parse('2025-03-01T00:00:00Z');

/** Drives one session through Memory the way the engine does: a champion, seen plans, the previous failed plan. */
export class ScriptedSession {
  iteration = 0;
  champion: { score: Score; planId: string } | null = null;
  readonly seen = new Set<string>();
  readonly outcomes: Outcome[] = [];

  constructor(
    readonly memory: Memory,
    readonly id: string,
    readonly target: PlanTarget = RELEASE,
    readonly goalText = 'Ship the payments service',
  ) {}

  private base(): Omit<IterationRecord, 'plan' | 'validation' | 'outcome' | 'approvedBy'> {
    const at = new Date(T0 + (this.memory.seq + 1) * 60_000).toISOString();
    return {
      session: this.id,
      iteration: ++this.iteration,
      startedAt: at,
      finishedAt: at,
      goalText: this.goalText,
      procedure: this.target.set.id,
      goalId: this.target.goal.id,
      planner: 'scripted',
    };
  }

  /** Proposes a plan: validated, judged against the champion, committed. */
  /** `repairedFrom`: the failed attempt a repair turned into this plan (memory learns its insights and lessons). */
  async propose(
    actions: string[],
    opts: { owners?: Record<string, string>; cost?: number; repairs?: number; converged?: string; repairedFrom?: string[] } = {},
  ): Promise<Outcome> {
    const p = plan(actions, opts.owners);
    const validation = validatePlan(p, this.target);
    const id = planId(p);
    let outcome: Outcome;
    const score: Score = { makespan: 0, cost: opts.cost ?? 100, risk: 0, steps: p.steps.length };
    const vs = this.champion ? compareScores(score, this.champion.score, OBJECTIVES) : -1;
    if (!validation.valid) outcome = 'failed';
    else if (this.seen.has(id)) outcome = 'repeat';
    else outcome = vs < 0 ? 'improved' : vs === 0 ? 'alternative' : 'worse';
    this.seen.add(id);
    const rec: IterationRecord = { ...this.base(), plan: p, validation, outcome, approvedBy: validation.valid ? 'auto' : null, planId: id };
    if (validation.valid) {
      rec.score = score;
      rec.objectives = OBJECTIVES;
    }
    if (opts.repairs) rec.repairs = opts.repairs;
    if (opts.converged) rec.converged = opts.converged;
    // As the engine does: what the validator confirms on the failure is learned, the rest counted as refuted.
    const failed = validation.valid ? (opts.repairedFrom ? plan(opts.repairedFrom, opts.owners) : undefined) : p;
    if (failed) Object.assign(rec, checkInsights(failed, this.target));
    if (validation.valid && failed) rec.repaired = { plan: failed, findings: validatePlan(failed, this.target).findings };
    if (outcome === 'improved') this.champion = { score, planId: id };
    await this.memory.commitIteration(rec);
    this.outcomes.push(outcome);
    return outcome;
  }

  /** The planner failed (a server error): logged, never learned from. */
  async error(message: string): Promise<void> {
    await this.memory.commitIteration({ ...this.base(), plan: null, validation: null, outcome: 'error', approvedBy: null, error: message });
    this.outcomes.push('error');
  }

  async review(kind: ReviewRecord['kind'], actions: string[] | null, reason?: string, constraints?: Rule[]): Promise<void> {
    const at = new Date(T0 + (this.memory.seq + 1) * 60_000).toISOString();
    const rev: ReviewRecord = {
      session: this.id,
      iteration: this.iteration,
      time: at,
      goalText: this.goalText,
      procedure: this.target.set.id,
      goalId: this.target.goal.id,
      kind,
      plan: actions ? plan(actions) : null,
    };
    if (reason) rev.reason = reason;
    if (constraints) {
      rev.constraints = constraints;
      rev.confirmed = true;
      rev.scope = 'goal';
    }
    await this.memory.commitReview(rev);
  }
}
